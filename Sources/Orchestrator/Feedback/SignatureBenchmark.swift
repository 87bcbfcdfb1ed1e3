import FeedbackLoop
import Foundation
import QuantMath
import TradingCore
import TradingEngine

/// `orchestrator feedback benchmark-signatures`: the system signatures' detector measured on
/// simulated traffic of one API route — how many anomalies it raises on steady traffic (false
/// alarms), how often it catches a fault in its first window and within three, and what counting
/// and judging cost.
///
/// The traffic: 5-minute windows of `base` answers (±25 %), twice as many and twice as slow from
/// 12:00 to 15:00 UTC every day (a pattern to learn, not to alert on), 0.5 % failing, log-normal
/// latencies (median 3 ms, σ 0.5). A fault multiplies the failure share or the latencies for three
/// windows, starting at a different hour in each trial. Seeded: the same options give the same
/// figures.
public enum SignatureBenchmark {
    /// The benchmark's options.
    public struct Request: Sendable {
        /// Days of steady traffic learned (and counted for false alarms after the first).
        public var days = 14
        /// Trials per fault and traffic level.
        public var trials = 50
        public var seed: UInt64 = 1
        /// Answers per 5-minute window outside the busy hours.
        public var levels = [50, 200, 1_000]

        /// The defaults.
        public init() {}
    }

    struct Traffic {
        var random: SeededGenerator
        let base: Int
        var errorShare = 0.005
        var latencyFactor = 1.0
        static let windowMilliseconds: Int64 = 300_000
        static let start = Timestamp(iso8601: "2026-01-05T00:00:00Z")!

        mutating func window(_ index: Int) -> SystemWindow {
            let start = Self.start.adding(milliseconds: Int64(index) * Self.windowMilliseconds)
            let busy = (12..<15).contains(Int((start.millisecondsSinceEpoch / 3_600_000) % 24))
            let operations = Int(Double(base * (busy ? 2 : 1)) * (0.75 + 0.5 * random.nextUniform()))
            var cell = SystemSignatureCell()
            for _ in 0..<operations {
                let normal = (-2 * log(max(random.nextUniform(), 1e-300))).squareRoot() * cos(2 * Double.pi * random.nextUniform())
                cell.add(milliseconds: (busy ? 6.0 : 3.0) * latencyFactor * exp(0.5 * normal), failed: random.nextUniform() < errorShare)
            }
            return SystemWindow(kind: .route, subject: "GET /api/v1/portfolio", start: start, milliseconds: Self.windowMilliseconds, cell: cell,
                                kindOperationsPerMinute: Double(operations) / 5)
        }
    }

    /// The faults tried: a name and what it does to the traffic.
    static let faults: [(name: String, apply: @Sendable (inout Traffic) -> Void)] = [
        ("failures ×2", { $0.errorShare *= 2 }), ("failures ×5", { $0.errorShare *= 5 }), ("failures ×10", { $0.errorShare *= 10 }),
        ("failures ×20", { $0.errorShare *= 20 }), ("latency ×1.5", { $0.latencyFactor *= 1.5 }), ("latency ×2", { $0.latencyFactor *= 2 }),
        ("latency ×3", { $0.latencyFactor *= 3 }),
    ]

    /// Runs the measurement.
    public static func run(_ request: Request) -> AdministrationCommands.Output {
        let day = 288
        var levels: [JSONValue] = [], rows: [[String]] = []
        for base in request.levels {
            var traffic = Traffic(random: SeededGenerator(seed: request.seed &+ UInt64(base)), base: base)
            var monitor = SystemSignatureMonitor(observer: "benchmark", halfLifeMilliseconds: 7 * 86_400_000)
            var falseAlarms = 0, anomalousWindows = 0, judged = 0
            var judging = Duration.zero
            for index in 0..<(request.days * day) {
                let window = traffic.window(index)
                let started = ContinuousClock.now
                let report = monitor.process([window], now: window.end)
                judging += ContinuousClock.now - started
                judged += 1
                if index >= day {
                    falseAlarms += report.opened.count
                    if !monitor.open.isEmpty { anomalousWindows += 1 }
                }
            }
            let steadyDays = Double(max(request.days - 1, 1))
            var results: [JSONValue] = []
            for (name, apply) in faults {
                var first = 0, withinThree = 0
                for trial in 0..<request.trials {
                    var trialMonitor = monitor
                    var faulty = Traffic(random: SeededGenerator(seed: request.seed &+ UInt64(base * 1_000 + trial)), base: base)
                    apply(&faulty)
                    // Trials start at different hours: 37 windows apart is 3 h 5 min.
                    let start = request.days * day + trial * 37
                    var caught: Int?
                    for offset in 0..<3 {
                        let window = faulty.window(start + offset)
                        if !trialMonitor.process([window], now: window.end).opened.isEmpty && caught == nil { caught = offset }
                    }
                    if caught == 0 { first += 1 }
                    if caught != nil { withinThree += 1 }
                }
                let firstShare = Double(first) / Double(request.trials), threeShare = Double(withinThree) / Double(request.trials)
                results.append(["fault": .string(name), "trials": .int(request.trials), "caught_first_window": .number(firstShare),
                               "caught_within_three_windows": .number(threeShare)])
                rows.append([String(base), name, String(format: "%.0f %%", firstShare * 100), String(format: "%.0f %%", threeShare * 100), "", ""])
            }
            let perWindow = judging / judged
            levels.append(["answers_per_window": .int(base), "steady_days": .int(request.days - 1),
                           "false_anomalies": .int(falseAlarms), "false_anomalies_per_day": .number(Double(falseAlarms) / steadyDays),
                           "windows_with_an_open_anomaly": .int(anomalousWindows),
                           "judge_and_learn_microseconds": .number(Double(perWindow.components.attoseconds) / 1e12 + Double(perWindow.components.seconds) * 1e6),
                           "faults": .array(results)])
            rows.append([String(base), "steady (false anomalies)", "", "", String(format: "%.2f / day", Double(falseAlarms) / steadyDays),
                         String(format: "%.1f µs", Double(perWindow.components.attoseconds) / 1e12)])
        }
        // The cost of counting one operation: a lock, a dictionary update and a histogram bucket.
        let observations = SystemObservations(windowSeconds: 300, clock: { Timestamp(millisecondsSinceEpoch: 0) })
        let count = 1_000_000
        let started = ContinuousClock.now
        for index in 0..<count {
            // As an API answer is counted: method and route template apart.
            observations.record(.route, subject: "GET", detail: index & 1 == 0 ? "/api/v1/portfolio" : "/api/v1/status", milliseconds: Double(index % 97) * 0.1,
                                failed: false, at: Timestamp(millisecondsSinceEpoch: 0))
        }
        let recording = (ContinuousClock.now - started) / count
        let recordNanoseconds = Double(recording.components.attoseconds) / 1e9
        return AdministrationCommands.Output(
            json: ["days": .int(request.days), "trials": .int(request.trials), "seed": .int(Int(request.seed)), "levels": .array(levels),
                   "record_nanoseconds": .number(recordNanoseconds)],
            columns: ["answers / window", "fault", "caught 1st window", "within 3", "false anomalies", "judge+learn"], rows: rows,
            footer: String(format: "counting one operation: %.0f ns", recordNanoseconds))
    }
}
