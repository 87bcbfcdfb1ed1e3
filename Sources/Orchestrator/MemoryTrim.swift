/// The process heap's settings and trimming (glibc's `mallopt` and `malloc_trim`).
public enum MemoryTrim {
    /// Returns freed heap memory to the operating system, which glibc does not do on its own for
    /// memory freed in the middle of the heap.
    static func releaseFreeHeap() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }

    /// The heap settings every role starts with, unless the environment tunes glibc's heap itself
    /// (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_ARENA_MAX`, or any `glibc.malloc.` tunable).
    ///
    /// The month-long soak test found an API process holding 432 MB of heap with 8.5 MB in use,
    /// spread over four arenas, and trimming every 10 s did not bring its resident memory back
    /// down. Two glibc defaults make a long-running server's heap ratchet up to its largest peaks:
    /// - The mmap threshold is dynamic: once a large block (an array of 100,000 outcomes, a page of
    ///   bars) has been freed, blocks up to that size come from the arenas instead of mmap, and
    ///   every later peak leaves holes between the small objects allocated meanwhile. Fixed at
    ///   128 KiB, a larger block that free heap space cannot hold gets a mapping of its own, given
    ///   back whole when freed.
    /// - Threads get arenas of their own (up to 8 per core), and each arena keeps its own free
    ///   memory. Two suffice on the two-core machines this runs on.
    public static func configureAllocator(environment: [String: String]) {
        #if os(Linux)
        guard !(environment["GLIBC_TUNABLES"] ?? "").contains("glibc.malloc.") else { return }
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil { _ = glibcMallopt(mmapThreshold, 128 * 1024) }
        if environment["MALLOC_ARENA_MAX"] == nil { _ = glibcMallopt(arenaMaximum, 2) }
        #endif
    }

    /// glibc's `M_MMAP_THRESHOLD` and `M_ARENA_MAX` (malloc.h).
    private static let mmapThreshold: Int32 = -3, arenaMaximum: Int32 = -8
}

#if os(Linux)
// Not exported by the Glibc module; declared here with glibc's C signatures `int malloc_trim(size_t)`
// and `int mallopt(int, int)`.
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
