import ServiceLifecycle

/// Hands the heap's free memory back to the operating system every `interval`. glibc keeps what
/// a peak freed (a feedback document computed from 100,000 outcomes, a page of 10,000 bars) in
/// its arenas, so a long-running process's resident memory ratchets up to its largest peaks: the
/// month-long soak test found an API process holding 454 MB of heap with 7 MB of it in use. Every
/// minute left peaks of 15 MB between trims in a short run; a trim of tens of megabytes costs
/// milliseconds, so it runs every 10 s (and the job worker and the feedback loop trim after their
/// heaviest work as well).
struct MemoryTrimService: Service {
    var interval: Duration = .seconds(10)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            MemoryTrim.releaseFreeHeap()
        }
    }
}
