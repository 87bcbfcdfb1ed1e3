import Foundation

/// Threads of their own for the stub servers' tasks (a task executor preference): a child process
/// under test talks to a stub in the test process, and if the stub's handlers ran on the suite's
/// shared cooperative pool — two threads on two cores — any test busy computing there would leave
/// the child's requests unanswered past their deadline, and the test would fail for a reason that
/// is not the code's. Tasks started with this preference, and their child tasks and the actors they
/// call, run on these threads instead.
public final class StubExecutor: TaskExecutor, @unchecked Sendable {
    /// The executor the stub servers share: two threads.
    public static let shared = StubExecutor(threads: 2, name: "stub-executor")

    // Guarded by `condition`: the jobs waiting for a thread.
    private var jobs: [UnownedJob] = []
    private let condition = NSCondition()

    /// Starts `threads` threads named `name` that run the jobs enqueued here, in order.
    public init(threads: Int, name: String) {
        for index in 0..<threads {
            let thread = Thread { [self] in runJobs() }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
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
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
