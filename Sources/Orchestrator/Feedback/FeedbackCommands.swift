import FeedbackLoop
import Foundation
import Logging
import HTTPServer
import Prediction
import QuantMath
import SecuritySupervisor
import TradingCore
import TradingEngine

/// `orchestrator feedback report | score | optimize | simulate | benchmark`.
public enum FeedbackCommands {
    /// The status document as a report.
    public static func report(_ store: any Store) async throws -> AdministrationCommands.Output {
        let status = try await Representations.feedbackStatus(store)
        var rows: [[String]] = [
            ["learning cycles", status["learning_cycles"]?.text ?? "0"],
            ["last cycle", status["last_cycle_at"]?.text ?? "never"],
            ["outcomes", "\(status["outcomes"]?["success"]?.text ?? "0") SUCCESS, \(status["outcomes"]?["failure"]?.text ?? "0") FAILURE"],
        ]
        for threshold in status["thresholds"]?.arrayValue ?? [] {
            rows.append(["threshold \(threshold["horizon"]?.text ?? "?")", threshold["threshold"]?.text ?? "?"])
        }
        for model in status["models"]?.arrayValue ?? [] {
            rows.append(["model \(model["role"]?.text ?? "?")", model["name"]?.text ?? "?"])
        }
        let score = status["adaptation_score"]
        rows.append(["threshold gain per decision (out of sample)", score?["threshold_gain_per_decision"]?.text ?? "not measured yet"])
        rows.append(["model promotions (mean shadow gain, nats)", "\(score?["promotions"]?.text ?? "0") (\(score?["model_gain_nats"]?.text ?? "-"))"])
        return AdministrationCommands.Output(json: status, columns: ["item", "value"], rows: rows, footer: nil)
    }

    /// One turn of the loop: score the due forecasts, raise each drift as a WARNING alert in the
    /// supervisor's alert store, and then either judge the challengers whose shadow period has
    /// passed (`judge`: an operator's `feedback score`, a `feedback_scoring` job) or queue a
    /// `model_retraining` job per challenger in trial for a worker (the loop's service).
    public static func turn(_ store: any Store & SecurityAlertStore, now: Timestamp, judge: Bool = true,
                            deliver: (@Sendable (StoredSecurityAlert) async -> Void)? = nil)
        async throws -> (FeedbackCycle.ScoringReport, [FeedbackCycle.TrialResult], FeedbackCycle.DecisionReport) {
        let cycle = FeedbackCycle(store: store)
        let report = try await cycle.score(now: now)
        let decisions = try await cycle.scoreDecisions(now: now)
        var raised = try await raiseDriftAlerts(report.drifts, store: store, now: now)
        raised += try await raisePnLAnomalies(store, now: now)
        _ = try await cycle.predictiveAlerts(now: now)
        raised += try await pushPredictiveAlerts(store, now: now)
        if let deliver { for alert in raised { await deliver(alert) } }
        guard judge else {
            try await ModelRetraining.enqueueTrials(store, now: now)
            return (report, [], decisions)
        }
        let holder = "turn-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        return (report, try await ModelRetraining.judgeAll(store, holder: holder, now: now), decisions)
    }

    /// A WARNING per trading account whose newest mark-to-market return is more than 5 robust
    /// standard deviations (median/MAD) from its previous 60: a loss or a gain the account's own
    /// history makes implausible, worth a look (a bad price, a fill at the wrong size).
    @discardableResult
    static func raisePnLAnomalies(_ store: any Store & SecurityAlertStore, now: Timestamp) async throws -> [StoredSecurityAlert] {
        var observations: [AlertObservation] = []
        for account in try await store.tradingAccountNames() {
            let equity = try await store.equityHistory(account: account, limit: 62).map(\.equity.doubleValue)
            guard let anomaly = pnlAnomaly(equity: equity) else { continue }
            observations.append(AlertObservation(
                fingerprint: "anomaly:pnl:\(account)", level: .warning, source: .feedback, title: "P&L anomaly on \(account)",
                message: "the newest mark-to-market return \(String(format: "%.4f", anomaly.newest * 100)) % is \(String(format: "%.1f", anomaly.z)) robust standard deviations from the median of the previous \(equity.count - 2)"))
        }
        guard !observations.isEmpty else { return [] }
        return try await store.reconcileAlerts(observations, sources: [], at: now).raised
    }

    /// The open predictive alerts as supervisor alerts (source `prediction`: WARNING for a risk,
    /// INFO for an opportunity), so they reach the API, the event stream, Prometheus and the
    /// webhook like the others; one whose condition ended is resolved.
    @discardableResult
    static func pushPredictiveAlerts(_ store: any Store & SecurityAlertStore, now: Timestamp) async throws -> [StoredSecurityAlert] {
        let observations = try await store.openPredictiveAlerts().map { alert in
            AlertObservation(fingerprint: "prediction:\(alert.kind.rawValue):\(alert.symbol.rawValue):\(alert.timeframe.rawValue):\(alert.horizon)",
                             level: alert.kind.isRisk ? .warning : .info, source: .prediction,
                             title: "\(alert.kind.rawValue.replacingOccurrences(of: "_", with: " ")) on \(alert.symbol.rawValue) over \(alert.horizon)",
                             message: "\(alert.message) (from the forecast of \(alert.raisedAt.iso8601); scored at \(alert.targetTime.iso8601))")
        }
        return try await store.reconcileAlerts(observations, sources: [.prediction], at: now).raised
    }

    /// The leadership that keeps two processes from turning the loop at once (two turns reading
    /// the same detector state would each feed it the same outcomes).
    static let leadershipName = FeedbackSummaries.loopLeadershipName

    /// One turn if no other process is turning the loop: nil when another one leads it. With
    /// `keep`, the leadership is kept for the next turn (a service); otherwise it is given up.
    public static func exclusiveTurn(_ store: any Store & SecurityAlertStore, holder: String, now: Timestamp, lease: Duration, keep: Bool, judge: Bool = true,
                                     deliver: (@Sendable (StoredSecurityAlert) async -> Void)? = nil)
        async throws -> (FeedbackCycle.ScoringReport, [FeedbackCycle.TrialResult], FeedbackCycle.DecisionReport)? {
        guard try await store.acquireLeadership(name: leadershipName, holder: holder, until: now.adding(milliseconds: lease.wholeMilliseconds), at: now) else {
            return nil
        }
        do {
            let result = try await turn(store, now: now, judge: judge, deliver: deliver)
            if !keep { try await store.releaseLeadership(name: leadershipName, holder: holder) }
            return result
        } catch {
            if !keep { try? await store.releaseLeadership(name: leadershipName, holder: holder) }
            throw error
        }
    }

    /// One turn now, as a report (`skipped` when another process is turning the loop).
    public static func score(_ store: any Store & SecurityAlertStore, now: Timestamp) async throws -> AdministrationCommands.Output {
        let holder = "command-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        guard let (report, trials, decisions) = try await exclusiveTurn(store, holder: holder, now: now, lease: .seconds(600), keep: false) else {
            let reason = "another process (serve, run or a worker) is turning the feedback loop now; nothing was scored"
            return AdministrationCommands.Output(json: ["skipped": true, "reason": .string(reason)], columns: ["item", "value"],
                                                 rows: [["skipped", reason]], footer: nil)
        }
        let json: JSONValue = [
            "skipped": false,
            "examined": .int(report.examined), "scored": .int(report.scored), "waiting": .int(report.waiting), "unscorable": .int(report.unscorable),
            "successes": .int(report.successes), "failures": .int(report.failures),
            "drifts": .array(report.drifts.map { ["symbol": .string($0.symbol), "timeframe": .string($0.timeframe), "horizon": .string($0.horizon),
                                                  "at": .string($0.at.iso8601), "detected_at": .string($0.detectedAt.iso8601),
                                                  "most_shifted_feature": .optional($0.mostShiftedFeature),
                                                  "most_shifted_feature_psi": $0.mostShiftedFeaturePSI.map(JSONValue.number) ?? .null,
                                                  "recent_log_score": .number($0.recentLogScore)] }),
            "decisions": ["examined": .int(decisions.examined), "scored": .int(decisions.scored), "waiting": .int(decisions.waiting),
                          "unscorable": .int(decisions.unscorable), "successes": .int(decisions.successes), "failures": .int(decisions.failures),
                          "net_pnl": .string(decisions.netPnL.description)],
            "trials": .array(trials.map { ["challenger": .string($0.challenger), "champion": .string($0.champion), "promoted": .bool($0.verdict.promote),
                                           "reason": .string($0.verdict.reason), "improvement_mean": .number($0.verdict.improvement.mean)] }),
        ]
        let rows = [["examined", "\(report.examined)"], ["scored", "\(report.scored) (\(report.successes) SUCCESS, \(report.failures) FAILURE)"],
                    ["waiting for their target bar", "\(report.waiting)"], ["unscorable (data-time bar missing)", "\(report.unscorable)"],
                    ["drifts", report.drifts.map { "\($0.symbol) \($0.horizon) at \($0.at.iso8601)" }.joined(separator: "; ")],
                    ["decisions scored", "\(decisions.scored) (\(decisions.successes) SUCCESS, \(decisions.failures) FAILURE), net P&L \(decisions.netPnL)"],
                    ["challengers judged", trials.map { "\($0.challenger): \($0.verdict.promote ? "PROMOTED" : "kept champion") (\($0.verdict.reason))" }
                        .joined(separator: "; ")]]
        return AdministrationCommands.Output(json: json, columns: ["item", "value"], rows: rows, footer: nil)
    }

    /// The smallest newest return (in either direction, as a fraction of equity) a P&L anomaly
    /// can be: an account mostly in cash moves so little that a 0.05 % step is many robust
    /// standard deviations from its history, yet never worth a person's look (the month-long
    /// soak raised 84 such alerts, all under 0.13 %).
    public static let pnlAnomalyMinimumReturn = 0.0025

    /// The newest return of an equity series (oldest first) and its robust z-score against the
    /// earlier returns, when |z| > 5 and the return is at least `pnlAnomalyMinimumReturn` in size
    /// (nil otherwise, or with fewer than 12 points).
    public static func pnlAnomaly(equity: [Double]) -> (newest: Double, z: Double)? {
        guard equity.count >= 12, equity.allSatisfy({ $0 > 0 }) else { return nil }
        let returns = zip(equity.dropFirst(), equity).map { $0 / $1 - 1 }
        guard let newest = returns.last, abs(newest) >= pnlAnomalyMinimumReturn,
              let z = AnomalyDetector.robustZ(newest, history: Array(returns.dropLast())), abs(z) > 5 else { return nil }
        return (newest, z)
    }

    /// Raises (or counts up) one WARNING alert per drifting stream, source `feedback`.
    @discardableResult
    public static func raiseDriftAlerts(_ drifts: [FeedbackCycle.Drift], store: any SecurityAlertStore, now: Timestamp) async throws -> [StoredSecurityAlert] {
        guard !drifts.isEmpty else { return [] }
        let observations = drifts.map { drift in
            AlertObservation(fingerprint: "drift:\(drift.symbol):\(drift.timeframe):\(drift.horizon)", level: .warning, source: .feedback,
                             title: "Forecast drift on \(drift.symbol) \(drift.horizon)",
                             message: "Page-Hinkley on the log scores fired at the forecast of \(drift.at.iso8601); mean log score of the last 50: \(String(format: "%.3f", drift.recentLogScore))"
                                + (drift.mostShiftedFeature.map { feature in "; most shifted feature since the champion's fit: \(feature) (PSI \(String(format: "%.2f", drift.mostShiftedFeaturePSI ?? 0)))" } ?? ""))
        }
        // No source is reconciled: a drift alert stays open until acknowledged; a new drift counts it up.
        return try await store.reconcileAlerts(observations, sources: [], at: now).raised
    }

    /// Re-tunes the thresholds now.
    public static func optimize(_ store: any Store, now: Timestamp) async throws -> AdministrationCommands.Output {
        let changes = try await FeedbackCycle(store: store).optimizeThresholds(now: now)
        return AdministrationCommands.Output(
            json: ["changes": .array(changes.map(Representations.thresholdChange))],
            columns: ["horizon", "before", "after", "objective before", "objective after", "decisions", "outcomes"],
            rows: changes.map { change in
                let decision = change.decision
                return [change.horizon, "\(decision.before)", "\(decision.after)", decision.objectiveBefore.map { String(format: "%.6f", $0) } ?? "-",
                        decision.objectiveAfter.map { String(format: "%.6f", $0) } ?? "-", "\(decision.decisionsAfter)", "\(decision.outcomes)"]
            }, footer: changes.isEmpty ? "no outcomes are stored yet: run `orchestrator feedback score` after forecasts' horizons have ended" : nil)
    }

    /// The system signatures, worst first: the same document as `GET /api/v1/feedback/signatures`.
    public static func signatures(_ store: any Store & SecurityAlertStore, kind: SystemSubjectKind?, limit: Int, now: Timestamp, halfLifeDays: Int) async throws
        -> AdministrationCommands.Output {
        let document = try await Representations.systemSignatures(store, security: store, kind: kind, limit: limit, now: now, halfLifeDays: halfLifeDays)
        func figure(_ value: JSONValue?, _ format: String, scale: Double = 1) -> String {
            guard let number = value?.doubleValue else { return "-" }
            return String(format: format, number * scale)
        }
        let rows = (document["signatures"]?.arrayValue ?? []).map { signature -> [String] in
            let levels: [String] = (signature["anomalies"]?.arrayValue ?? []).compactMap { $0["level"]?.text }
            let names: [String] = [signature["kind"]?.text ?? "?", signature["subject"]?.text ?? "?"]
            let figures: [String] = [figure(signature["operations"], "%.0f"), figure(signature["success_rate"], "%.2f %%", scale: 100),
                                     figure(signature["p50_ms"], "%.3g"), figure(signature["p95_ms"], "%.3g"), figure(signature["p99_ms"], "%.3g")]
            return names + figures + [levels.joined(separator: ", ")]
        }
        return AdministrationCommands.Output(
            json: document, columns: ["kind", "subject", "operations", "success", "p50 ms", "p95 ms", "p99 ms", "anomaly"], rows: rows,
            footer: rows.isEmpty ? "no signature yet: serve, run and worker count their routes, jobs and venue requests every feedback.signature_window_seconds" : nil)
    }

    /// The simulation's settings from the command line.
    public struct SimulationRequest: Sendable {
        public var path: String
        public var horizon = "4h"
        public var fitTime: Timestamp
        public var end: Timestamp?
        public var shadowPairs = 480
        public var challengerWindow: Int?
        public var threshold = 50.0
        public var delta = 0.005

        /// Creates a request.
        public init(path: String, fitTime: Timestamp) {
            self.path = path
            self.fitTime = fitTime
        }
    }

    /// The adaptive-versus-frozen simulation over a bar file.
    public static func simulate(_ request: SimulationRequest) throws -> AdministrationCommands.Output {
        var series = try PredictionCommands.load(request.path).series
        if let end = request.end { series = try series.asOf(end).series() }
        guard let horizon = Horizon(parsing: request.horizon) else { throw PredictionError.invalidHorizon("'\(request.horizon)' is not a horizon such as 1h or 4h") }
        let simulation = AdaptiveForecastingSimulation(
            horizon: horizon, detector: PageHinkley(minimumInstances: 30, delta: request.delta, threshold: request.threshold, mode: .up),
            challengerWindow: request.challengerWindow, shadowPairs: request.shadowPairs)
        let started = ContinuousClock.now
        let report = try simulation.run(series: series, championFitTime: request.fitTime, streamStart: request.fitTime)
        let elapsed = (ContinuousClock.now - started).milliseconds
        let interval = { (interval: BlockBootstrap.Interval) -> JSONValue in
            ["mean": .number(interval.mean), "low": .number(interval.low), "high": .number(interval.high), "confidence": .number(interval.confidence)]
        }
        let json: JSONValue = [
            "bars": .int(report.bars), "scored": .int(report.scored), "promotions": .int(report.promotions), "elapsed_ms": .number(elapsed),
            "detections": .array(report.detections.map {
                ["time": .string($0.time.iso8601), "bars_after_start": .int($0.barsAfterStart), "return_psi": .number($0.returnPSI),
                 "most_shifted_feature": .optional($0.mostShiftedFeature), "most_shifted_feature_psi": $0.mostShiftedFeaturePSI.map(JSONValue.number) ?? .null,
                 "challenger_started": .bool($0.challengerStarted)]
            }),
            "evaluations": .array(report.evaluations.map {
                ["fitted_at": .string($0.fittedAt.iso8601), "decided_at": .string($0.decidedAt.iso8601), "promote": .bool($0.verdict.promote),
                 "reason": .string($0.verdict.reason), "champion_log_score": .number($0.verdict.championScore),
                 "challenger_log_score": .number($0.verdict.challengerScore), "improvement": interval($0.verdict.improvement), "pairs": .int($0.verdict.pairs)]
            }),
            "signals": .array(report.signals.map(Representations.signal)),
            "adapted_log_score": .number(report.adaptedScore), "frozen_log_score": .number(report.frozenScore),
            "frozen_minus_adapted": interval(report.improvement),
            "adapted_log_score_after_first_promotion": report.adaptedScoreAfterPromotion.map(JSONValue.number) ?? .null,
            "frozen_log_score_after_first_promotion": report.frozenScoreAfterPromotion.map(JSONValue.number) ?? .null,
        ]
        var rows = [["bars streamed / forecasts scored", "\(report.bars) / \(report.scored)"],
                    ["drifts (bars after the start)", report.detections.map { "\($0.barsAfterStart)" }.joined(separator: ", ")]]
        for evaluation in report.evaluations {
            rows.append(["challenger of \(evaluation.fittedAt.iso8601)", (evaluation.verdict.promote ? "PROMOTED: " : "kept champion: ") + evaluation.verdict.reason])
        }
        rows.append(["mean log score adapted / frozen", String(format: "%.4f / %.4f", report.adaptedScore, report.frozenScore)])
        rows.append(["frozen − adapted (95% block bootstrap)", String(format: "%.4f [%.4f, %.4f]", report.improvement.mean, report.improvement.low, report.improvement.high)])
        return AdministrationCommands.Output(json: json, columns: ["item", "value"], rows: rows, footer: "lower log scores are better; \(Int(elapsed)) ms")
    }

    /// Times scoring `count` synthetic outcomes and updating every tracker (performance windows,
    /// market signatures, one Page-Hinkley detector per stream), `repetitions` times.
    public static func benchmark(outcomes count: Int, repetitions: Int) -> AdministrationCommands.Output {
        var generator = SeededGenerator(seed: 7)
        let symbols = (0..<20).map { "S\($0)" }, horizons = ["5m", "1h", "4h", "24h"]
        let signatures = ["BULL", "BEAR"].flatMap { regime in ["LOW", "NORMAL", "HIGH"].flatMap { volatility in
            ["TREND", "RANGE"].map { MarketSignature(regime: regime, volatility: volatility, trend: $0) } } }
        let inputs = (0..<count).map { index -> (ForecastClaim, Double, Int) in
            let mean = (generator.nextUniform() - 0.5) * 0.002, sigma = 0.005 + generator.nextUniform() * 0.01
            let claim = ForecastClaim(expectedLogReturn: mean, probabilityUp: generator.nextUniform(), volatility: sigma,
                                      intervalLow: mean - 1.2816 * sigma, intervalHigh: mean + 1.2816 * sigma)
            return (claim, (generator.nextUniform() - 0.5) * 0.03, index)
        }
        var timings: [Double] = []
        var checksum = 0.0
        for _ in 0..<repetitions {
            let started = ContinuousClock.now
            var tracker = PerformanceTracker()
            var detectors: [String: PageHinkley] = [:]
            for (claim, realised, index) in inputs {
                let outcome = ForecastOutcome(claim: claim, realisedLogReturn: realised)
                let symbol = symbols[index % symbols.count], horizon = horizons[index % horizons.count]
                let signature = signatures[index % signatures.count]
                tracker.record(outcome, probabilityUp: claim.probabilityUp,
                               key: PerformanceTracker.Key(model: "forecaster-1", horizon: horizon, symbol: symbol, regime: signature.regime), signature: signature)
                detectors["\(symbol)|\(horizon)", default: PageHinkley(mode: .up)].update(outcome.logScore)
            }
            timings.append((ContinuousClock.now - started).milliseconds)
            checksum += tracker.summaries.reduce(0) { $0 + $1.summary.brier }
        }
        let sorted = timings.sorted()
        let json: JSONValue = ["outcomes": .int(count), "repetitions": .int(repetitions), "min_ms": .number(sorted.first ?? 0),
                               "median_ms": .number(sorted[sorted.count / 2]), "max_ms": .number(sorted.last ?? 0), "checksum": .number(checksum)]
        return AdministrationCommands.Output(json: json, columns: ["outcomes", "repetitions", "min ms", "median ms", "max ms"],
                                             rows: [["\(count)", "\(repetitions)", String(format: "%.1f", sorted.first ?? 0),
                                                     String(format: "%.1f", sorted[sorted.count / 2]), String(format: "%.1f", sorted.last ?? 0)]],
                                             footer: nil)
    }
}

extension FeedbackCommands {
    /// What a store-backed feedback command does.
    public enum StoreAction: Sendable {
        case report, score, optimize
        /// The system signatures, worst first (of one kind when given: route, job or venue).
        case signatures(kind: String?, limit: Int)
    }

    /// Opens the configured store, runs the action and closes the store.
    public static func run(_ action: StoreAction, configuration: OrchestratorConfiguration, logger: Logging.Logger) async throws -> AdministrationCommands.Output {
        try await AdministrationCommands.withStore(configuration, logger: logger) { store in
            switch action {
            case .report: try await report(store)
            case .score: try await score(store, now: SystemClock().now())
            case .optimize: try await optimize(store, now: SystemClock().now())
            case .signatures(let kind, let limit):
                try await signatures(store, kind: kind.flatMap(SystemSubjectKind.init(rawValue:)), limit: limit, now: SystemClock().now(),
                                     halfLifeDays: configuration.signatureHalfLifeDays)
            }
        }
    }
}
