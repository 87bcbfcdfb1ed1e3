import FeedbackLoop
import Foundation
import Hummingbird
import TradingCore
import TradingEngine

/// The feedback loop under `/api/v1/feedback`: status, performance and signals (viewer); an
/// externally observed outcome (trader); a threshold re-tuning now (admin); and
/// `/api/v1/system/reset` (admin), which clears what the loop learned and nothing else.
enum FeedbackRoutes {
    /// The confirmation a reset needs, word for word.
    static let resetConfirmation = "RESET LEARNED STATE"

    /// What `POST /feedback/outcomes` takes.
    struct OutcomeBody: Decodable {
        let forecast_id: Int64
        let realised_close: String
        let observed_at: String
    }

    /// What `POST /feedback/models/rollback` takes.
    struct RollbackBody: Decodable {
        let stream: String
    }

    /// What `POST /system/reset` takes.
    struct ResetBody: Decodable {
        let confirm: String
    }

    static func register(viewer: some RouterMethods<APIRequestContext>, trader: some RouterMethods<APIRequestContext>, admin: some RouterMethods<APIRequestContext>,
                         dependencies: ServerDependencies) {
        let store = dependencies.store
        let cycle = FeedbackCycle(store: store)
        viewer.get("/feedback/status") { request, _ in
            _ = try QueryValidator(request, allowed: [])
            return JSONResponse.make(try await Representations.feedbackStatus(store))
        }
        viewer.get("/feedback/performance") { request, _ in
            let query = try QueryValidator(request, allowed: ["horizon", "symbol", "model", "window"])
            let window = try query.parsed("window", accepted: "an integer from 1 to 5000") { Int($0).flatMap { (1...5000).contains($0) ? $0 : nil } } ?? 250
            let horizon = try query.value("horizon"), symbol = try query.value("symbol"), model = try query.value("model")
            if let symbol, Symbol(symbol) == nil { throw ProblemDetails.invalidParameter("symbol", "must be \(Symbol.rule)") }
            let outcomes = try await store.outcomes(limit: 100_000).filter {
                (horizon == nil || $0.horizon == horizon) && (symbol == nil || $0.symbol.rawValue == symbol) && (model == nil || $0.model == model)
            }
            var tracker = PerformanceTracker(window: window)
            // Oldest first, so each key's window holds its newest outcomes.
            for stored in outcomes.reversed() {
                tracker.record(stored.outcome, probabilityUp: stored.probabilityUp,
                               key: PerformanceTracker.Key(model: stored.model, horizon: stored.horizon, symbol: stored.symbol.rawValue, regime: stored.signature.regime),
                               signature: stored.signature)
            }
            let decisions = try await store.decisionOutcomes(limit: 100_000)
            return JSONResponse.make([
                "outcomes_considered": .int(outcomes.count),
                "strategies": .array(Representations.strategies(decisions)),
                "window": .int(window),
                "groups": .array(tracker.summaries.map { Representations.performance($0.key, $0.summary) }),
                "signatures": .array(tracker.signatureRecords().map(Representations.signatureRecord)),
            ])
        }
        viewer.get("/feedback/signals") { request, _ in
            let query = try QueryValidator(request, allowed: ["kind", "limit"])
            let kind = try query.parsed("kind", accepted: "SUCCESS, FAILURE, OPTIMIZATION or ADAPTATION") { LearningSignal.Kind(rawValue: $0) }
            let limit = try query.parsed("limit", accepted: "an integer from 1 to 1000") { Int($0).flatMap { (1...1000).contains($0) ? $0 : nil } } ?? 50
            var signals: [LearningSignal] = []
            if kind == nil || kind == .success || kind == .failure {
                signals += try await store.outcomes(limit: kind == nil ? limit : 20_000).filter { kind == nil || $0.outcome.verdict == kind }
                    .prefix(limit).map(Representations.signal(of:))
            }
            if kind == nil || kind == .optimization || kind == .adaptation {
                signals += try await store.learningSignals(limit: 1000).filter { kind == nil || $0.kind == kind }.prefix(limit)
            }
            let newest = signals.sorted { $0.time > $1.time }.prefix(limit)
            return JSONResponse.make(["signals": .array(newest.map(Representations.signal))])
        }
        trader.post("/feedback/outcomes") { request, _ in
            _ = try QueryValidator(request, allowed: [])
            let data = try await PortfolioRoutes.body(of: request, allowedKeys: ["forecast_id", "realised_close", "observed_at"])
            let body = try PortfolioRoutes.decode(OutcomeBody.self, from: data)
            guard let observed = Timestamp(iso8601: body.observed_at) else { throw ProblemDetails.invalidParameter("observed_at", "must be an ISO 8601 UTC time") }
            do {
                let stored = try await cycle.recordExternalOutcome(forecastId: body.forecast_id, realisedClose: body.realised_close, observedAt: observed,
                                                                   now: dependencies.clock.now())
                return JSONResponse.make(Representations.outcome(stored), status: .created)
            } catch let error as FeedbackCycle.ExternalOutcomeError {
                switch error {
                case .unknownForecast: throw ProblemDetails(.notFound, detail: error.description)
                case .alreadyScored: throw ProblemDetails(.conflict, detail: error.description)
                case .invalidClose: throw ProblemDetails.invalidParameter("realised_close", "must be a positive decimal number in a string")
                case .beforeHorizon, .inTheFuture: throw ProblemDetails(.unprocessable, detail: error.description)
                }
            }
        }
        admin.post("/feedback/optimize") { request, _ in
            _ = try QueryValidator(request, allowed: [])
            let changes = try await cycle.optimizeThresholds(now: dependencies.clock.now())
            return JSONResponse.make(["changes": .array(changes.map(Representations.thresholdChange))])
        }
        admin.post("/feedback/models/rollback") { request, _ in
            _ = try QueryValidator(request, allowed: [])
            let data = try await PortfolioRoutes.body(of: request, allowedKeys: ["stream"])
            let body = try PortfolioRoutes.decode(RollbackBody.self, from: data)
            do {
                let (restored, retired) = try await cycle.rollback(stream: body.stream, now: dependencies.clock.now())
                return JSONResponse.make(["stream": .string(body.stream), "restored": .string(restored), "retired": .string(retired)])
            } catch let error as FeedbackCycle.RollbackError {
                switch error {
                case .noChampion: throw ProblemDetails(.notFound, detail: error.description)
                case .noPreviousChampion: throw ProblemDetails(.conflict, detail: error.description)
                }
            }
        }
        admin.post("/system/reset") { request, _ in
            _ = try QueryValidator(request, allowed: [])
            let data = try await PortfolioRoutes.body(of: request, allowedKeys: ["confirm"])
            let body = try PortfolioRoutes.decode(ResetBody.self, from: data)
            guard body.confirm == resetConfirmation else {
                throw ProblemDetails(.unprocessable, detail: "a reset clears every outcome, signal, threshold, model version and detector state; send {\"confirm\": \"\(resetConfirmation)\"} to confirm (orders, fills, the ledger and forecasts are kept)")
            }
            let removed = try await store.resetLearnedState()
            return JSONResponse.make([
                "removed": ["outcomes": .int(removed.outcomes), "decision_outcomes": .int(removed.decisions), "signals": .int(removed.signals), "thresholds": .int(removed.thresholds),
                            "model_versions": .int(removed.models), "state": .int(removed.state)],
                "kept": ["forecasts", "orders", "fills", "ledger_entries", "equity_points"],
            ])
        }
    }

}

extension Representations {
    /// The feedback loop's status document (`GET /api/v1/feedback/status`, `orchestrator feedback report`).
    public static func feedbackStatus(_ store: any Store) async throws -> JSONValue {
        let state = try await store.feedbackState()
        let counts = try await store.outcomeCounts()
        let signals = try await store.learningSignals(limit: 1000)
        let outcomes = try await store.outcomes(limit: 100_000)
        let decisions = try await store.decisionOutcomes(limit: 100_000)
        let score = AdaptationScore.measure(signals: signals, outcomes: outcomes.map {
            (horizon: $0.horizon, regime: $0.signature.regime, dataTime: $0.dataTime, probabilityUp: $0.probabilityUp, realisedLogReturn: $0.outcome.realisedLogReturn)
        })
        let detectors = state.keys.filter { $0.hasPrefix("drift:") }.sorted().map { key -> JSONValue in
            let detector = state[key].flatMap { try? JSONDecoder().decode(PageHinkley.self, from: Data($0.utf8)) }
            return ["stream": .string(String(key.dropFirst("drift:".count))), "observations": detector.map { .int($0.observations) } ?? .null]
        }
        return [
            "learning_cycles": .int(Int(state["cycles"] ?? "0") ?? 0),
            "last_cycle_at": .optional(state["last_cycle_at"]),
            "outcomes": ["success": .int(counts[.success] ?? 0), "failure": .int(counts[.failure] ?? 0)],
            "decisions": [
                "success": .int(decisions.filter { $0.outcome.verdict == .success }.count),
                "failure": .int(decisions.filter { $0.outcome.verdict == .failure }.count),
                "net_pnl": .string(decisions.reduce(FixedDecimal.zero) { $0 + $1.outcome.netPnL }.description),
            ],
            "thresholds": .array(try await store.thresholds().map(Representations.threshold)),
            "models": .array(try await store.modelVersions().map(Representations.modelVersion)),
            "drift_detectors": .array(detectors),
            "adaptation_score": [
                "threshold_gain_per_decision": score.thresholdGainPerDecision.map(JSONValue.number) ?? .null,
                "threshold_changes_measured": .int(score.thresholdChangesMeasured),
                "model_gain_nats": score.modelGainNats.map(JSONValue.number) ?? .null,
                "promotions": .int(score.promotions),
            ],
            "last_signals": .array(signals.prefix(10).map(Representations.signal)),
        ]
    }
}
