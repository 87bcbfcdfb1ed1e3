import TradingEngine

/// Threads of their own for the stub servers' tasks (a task executor preference): a child process
/// under test talks to a stub in the test process, and if the stub's handlers ran on the suite's
/// shared cooperative pool — two threads on two cores — any test busy computing there would leave
/// the child's requests unanswered past their deadline, and the test would fail for a reason that
/// is not the code's. Tasks started with this preference, and their child tasks and the actors they
/// call, run on these threads instead.
public enum StubExecutor {
    /// The executor the stub servers share: two threads.
    public static let shared = ThreadPoolExecutor(threads: 2, name: "stub-executor", priority: .normal)
}
