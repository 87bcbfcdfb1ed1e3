/// The result of one health check: its status, the measured value, the threshold it was held to
/// and a message a person can act on.
public struct HealthCheckResult: Sendable, Hashable {
    /// OK, DEGRADED (a warning threshold is crossed) or FAILED (an error threshold, an error, or a timeout).
    public enum Status: String, Sendable, Hashable, CaseIterable, Comparable {
        case ok = "OK"
        case degraded = "DEGRADED"
        case failed = "FAILED"

        var rank: Int { self == .ok ? 0 : self == .degraded ? 1 : 2 }
        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.rank < rhs.rank }
    }

    /// The check's name (`disk.data`, `database`, `network.api.binance.com:443`, `posture.root`).
    public let name: String
    public let status: Status
    /// The measured value, with its unit in the name of the threshold (nil when nothing was measured).
    public let value: Double?
    /// The threshold in words (`warn ≥ 80 %, fail ≥ 95 %`).
    public let threshold: String
    public let message: String
    /// How long the check took, in milliseconds.
    public let elapsedMilliseconds: Double

    /// Creates a result.
    public init(name: String, status: Status, value: Double?, threshold: String, message: String, elapsedMilliseconds: Double = 0) {
        self.name = name
        self.status = status
        self.value = value
        self.threshold = threshold
        self.message = message
        self.elapsedMilliseconds = elapsedMilliseconds
    }

    /// The same result with its duration.
    func timed(_ milliseconds: Double) -> HealthCheckResult {
        HealthCheckResult(name: name, status: status, value: value, threshold: threshold, message: message, elapsedMilliseconds: milliseconds)
    }

    /// OK below `warn`, DEGRADED from `warn`, FAILED from `fail` (higher is worse).
    public static func graded(_ name: String, value: Double, warn: Double, fail: Double, unit: String, message: (Status) -> String) -> HealthCheckResult {
        let status: Status = value >= fail ? .failed : value >= warn ? .degraded : .ok
        return HealthCheckResult(name: name, status: status, value: value, threshold: "warn ≥ \(format(warn))\(unit), fail ≥ \(format(fail))\(unit)",
                                 message: message(status))
    }

    /// A number without a trailing .0, rounded to two decimals.
    public static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String((value * 100).rounded() / 100)
    }
}

/// One health check: a probe of the machine, the database, the network or the configuration.
public protocol HealthCheck: Sendable {
    /// The name results carry (also when the check times out).
    var name: String { get }
    /// Runs the check; errors become FAILED results.
    func run() async throws -> [HealthCheckResult]
}

/// Runs checks in parallel, each with its own time limit: a slow or hanging check becomes a
/// FAILED "timed out" result and never holds up the others.
public struct HealthCheckRunner: Sendable {
    public let timeout: Duration

    /// Creates a runner.
    public init(timeout: Duration = .seconds(5)) {
        self.timeout = timeout
    }

    /// Every check's results, in the checks' order.
    public func run(_ checks: [any HealthCheck]) async -> [HealthCheckResult] {
        let timeout = timeout
        let results = await withTaskGroup(of: (Int, [HealthCheckResult]).self) { group in
            for (index, check) in checks.enumerated() {
                group.addTask {
                    let clock = ContinuousClock()
                    let started = clock.now
                    let outcome = await Self.withDeadline(timeout) { try await check.run() }
                    let elapsed = clock.now - started
                    let milliseconds = elapsed.milliseconds
                    switch outcome {
                    case .finished(let results): return (index, results.map { $0.timed(milliseconds) })
                    case .failed(let error):
                        return (index, [HealthCheckResult(name: check.name, status: .failed, value: nil, threshold: "no error",
                                                          message: "the check failed: \(error)", elapsedMilliseconds: milliseconds)])
                    case .timedOut:
                        return (index, [HealthCheckResult(name: check.name, status: .failed, value: nil, threshold: "answers within \(timeout)",
                                                          message: "the check did not finish within \(timeout)", elapsedMilliseconds: milliseconds)])
                    }
                }
            }
            var collected: [(Int, [HealthCheckResult])] = []
            for await result in group { collected.append(result) }
            return collected
        }
        return results.sorted { $0.0 < $1.0 }.flatMap(\.1)
    }

    enum Outcome: Sendable {
        case finished([HealthCheckResult])
        case failed(String)
        case timedOut
    }

    /// Runs `operation` but answers by the deadline: the operation's task is cancelled and left
    /// behind (a blocking system call cannot be interrupted; it finishes on its own).
    static func withDeadline(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> [HealthCheckResult]) async -> Outcome {
        let (stream, continuation) = AsyncStream.makeStream(of: Outcome.self)
        let work = Task {
            do {
                continuation.yield(.finished(try await operation()))
            } catch {
                continuation.yield(.failed(String(describing: error)))
            }
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            continuation.yield(.timedOut)
        }
        var first: Outcome = .timedOut
        for await outcome in stream {
            first = outcome
            break
        }
        work.cancel()
        timer.cancel()
        continuation.finish()
        return first
    }
}
