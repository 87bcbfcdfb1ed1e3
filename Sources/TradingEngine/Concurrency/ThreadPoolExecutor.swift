import Foundation

/// A task executor on threads of its own. Swift's cooperative pool has one thread per core; work
/// that computes for long stretches without suspending (a challenger's fit and shadow period, a
/// scoring turn over many outcomes) holds one of them, and on a two-core server the live decision
/// path, the venue's streams and the API would share the other. Tasks that prefer this executor
/// (`withTaskExecutorPreference`, `Task(executorPreference:)`), their child tasks and the default
/// actors they call run here instead, at the priority given.
public final class ThreadPoolExecutor: TaskExecutor, @unchecked Sendable {
    /// Background work of a process: jobs and feedback turns, one thread per core (two at least),
    /// behind the rest: they take the cores the decision path and the servers leave.
    public static let background = ThreadPoolExecutor(threads: max(2, ProcessInfo.processInfo.activeProcessorCount), name: "background",
                                                      priority: .background)

    // Guarded by `condition`: the jobs waiting for a thread.
    private var jobs: [UnownedJob] = []
    private var next = 0
    private let condition = NSCondition()
    // Guarded by `condition`: the threads, as they started.
    private var members: [pthread_t] = []

    /// Starts `threads` threads named `name` that run the jobs enqueued here in order of arrival.
    public init(threads: Int, name: String, priority: BlockingWork.Priority) {
        for index in 0..<max(threads, 1) {
            let thread = Thread { [self] in
                condition.lock()
                members.append(pthread_self())
                condition.unlock()
                BlockingWork.apply(priority)
                runJobs()
            }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    /// Whether the calling thread is one of this executor's (for checks and tests).
    public var runsCallingThread: Bool {
        let current = pthread_self()
        condition.lock()
        defer { condition.unlock() }
        return members.contains { pthread_equal($0, current) != 0 }
    }

    /// Queues a job for the next free thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func runJobs() {
        while true {
            condition.lock()
            while next == jobs.count { condition.wait() }
            let job = jobs[next]
            next += 1
            // Compacted now and then, so the queue's memory does not grow with the jobs run.
            if next >= 1_024 && next * 2 >= jobs.count {
                jobs.removeFirst(next)
                next = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
