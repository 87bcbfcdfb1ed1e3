import FeedbackLoop
import Foundation
import Hummingbird
import TradingCore
import TradingEngine

/// The feedback loop under `/api/v1/feedback`: status, performance and signals (viewer); an
/// externally observed outcome (trader); a threshold re-tuning now (admin); and
/// `/api/v1/system/reset` (admin), which clears what the loop learned and nothing else.
enum FeedbackRoutes: RouteGroup {
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

    static func routes(_ dependencies: ServerDependencies) -> [APIRoute] {
        let store = dependencies.store
        let cycle = FeedbackCycle(store: store)
        return [
            APIRoute(APIOperation(
                .get, "/api/v1/feedback/status", id: "getFeedbackStatus", tag: .feedback, summary: "The feedback loop's state", role: .viewer,
                description: """
                    Learning cycles and the last one's time, outcomes by verdict, the confidence threshold of each horizon, the model \
                    versions known to the loop, each drift detector's stream, the adaptation score (each change's gain measured only \
                    on outcomes after it) and the newest OPTIMIZATION and ADAPTATION signals. `revision` is the learned state's \
                    revision the document describes: every commit moves it on, and until the document of the new revision is computed \
                    (by the feedback loop after its turn, or in the background after a request that found it missing) the newest \
                    stored one is served, so that no request waits for the recomputation.
                    """,
                success: .json("The status.", Schema.ref("FeedbackStatus")),
                problems: [.invalidParameter])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                return JSONResponse.make(bytes: try await FeedbackSummaries.document(.status, dependencies))
            },
            APIRoute(APIOperation(
                .get, "/api/v1/feedback/performance", id: "getFeedbackPerformance", tag: .feedback, summary: "Rolling forecast performance", role: .viewer,
                description: """
                    Accuracy, interval coverage, Brier score, log loss, mean squared error, log score and the calibration curve per \
                    model × horizon × symbol × regime over each group's newest `window` outcomes, and the success rate of every market \
                    signature (regime × volatility × trend), worst first: where the forecasts fail. `alerts`: each predictive alert \
                    kind's record over all stored alerts (the filters do not apply): raised, scored, hits, the hit rate and the mean \
                    base rate of its event (how often it happens without an alert). `revision`: the learned state's revision the \
                    figures describe; the default view (no filter, the default window) is served as the status is, from the newest \
                    stored document while the current one is computed.
                    """,
                parameters: [
                    Schema.query("horizon", "Only this horizon (1h, 4h…).", Schema.string),
                    Schema.query("symbol", "Only this symbol.", Schema.symbol),
                    Schema.query("model", "Only this model version.", Schema.string),
                    Schema.query("window", "Outcomes per group (1–5000, default 250).", ["type": "integer", "minimum": 1, "maximum": 5000]),
                ],
                success: .json("The figures.", Schema.ref("FeedbackPerformance")),
                problems: [.invalidParameter])
            ) { request, _ in
                let query = try QueryValidator(request, allowed: ["horizon", "symbol", "model", "window"])
                let window = try query.parsed("window", accepted: "an integer from 1 to 5000") { Int($0).flatMap { (1...5000).contains($0) ? $0 : nil } } ?? 250
                let horizon = try query.value("horizon"), symbol = try query.value("symbol"), model = try query.value("model")
                if let symbol, Symbol(symbol) == nil { throw ProblemDetails.invalidParameter("symbol", "must be \(Symbol.rule)") }
                // The default view (every group, the default window) is kept per revision of the learned state in the
                // store; the other views in this process.
                guard horizon == nil && symbol == nil && model == nil && window == 250 else {
                    return JSONResponse.make(bytes: try await FeedbackSummaries.performanceView(horizon: horizon, symbol: symbol, model: model, window: window,
                                                                                             dependencies))
                }
                return JSONResponse.make(bytes: try await FeedbackSummaries.document(.performance, dependencies))
            },
            APIRoute(APIOperation(
                .get, "/api/v1/feedback/signatures", id: "getSystemSignatures", tag: .feedback, summary: "System signatures, worst first", role: .viewer,
                description: """
                    How each API route, job kind and venue endpoint behaves, learned by every process from what it does: operations \
                    (weights that halve every `feedback.signature_half_life_days`), success rate and latency percentiles, overall, \
                    by hour of the day (UTC) and by load (the process's operations of the kind a minute, in doubling levels); worst \
                    first (lowest success rate, then slowest p99). `anomalies`: the open supervisor alerts of windows out of the \
                    subject's signature, one per process that saw it. Percentiles are bucket upper bounds (within a factor √2).
                    """,
                parameters: [Schema.query("kind", "Only this kind.", Schema.enumeration(SystemSubjectKind.self)), Schema.limitQuery],
                success: .json("The signatures.", Schema.ref("SystemSignatures")),
                problems: [.invalidParameter])
            ) { request, _ in
                let query = try QueryValidator(request, allowed: ["kind", "limit"])
                let kind = try query.parsed("kind", accepted: "one of \(SystemSubjectKind.allCases.map(\.rawValue).joined(separator: ", "))") {
                    SystemSubjectKind(rawValue: $0)
                }
                let limit = try query.parsed("limit", accepted: "an integer from 1 to 1000") { Int($0).flatMap { (1...1000).contains($0) ? $0 : nil } } ?? 100
                return JSONResponse.make(try await Representations.systemSignatures(dependencies.store, security: dependencies.securityStore, kind: kind, limit: limit,
                                                                                    now: dependencies.clock.now(),
                                                                                    halfLifeDays: dependencies.settings.signatureHalfLifeDays))
            },
            APIRoute(APIOperation(
                .get, "/api/v1/feedback/signals", id: "getFeedbackSignals", tag: .feedback, summary: "Learning signals, newest first", role: .viewer,
                description: "SUCCESS and FAILURE of scored outcomes (with the rule), OPTIMIZATION and ADAPTATION with the numbers before and after.",
                parameters: [Schema.query("kind", "Only this kind.", Schema.enumeration(LearningSignal.Kind.self)), Schema.limitQuery],
                success: .json("The signals.", Schema.object([("signals", Schema.array(Schema.ref("LearningSignal")))])),
                problems: [.invalidParameter])
            ) { request, _ in
                let query = try QueryValidator(request, allowed: ["kind", "limit"])
                let kind = try query.parsed("kind", accepted: "one of \(LearningSignal.Kind.allCases.map(\.rawValue).joined(separator: ", "))") {
                    LearningSignal.Kind(rawValue: $0)
                }
                let limit = try query.parsed("limit", accepted: "an integer from 1 to 1000") { Int($0).flatMap { (1...1000).contains($0) ? $0 : nil } } ?? 50
                var signals: [LearningSignal] = []
                if kind == nil || kind == .success || kind == .failure {
                    // Filtered by the store: the newest `limit` of the kind, however rare it is among the newest outcomes.
                    signals += try await store.outcomes(verdict: kind, limit: limit).map(Representations.signal(of:))
                }
                if kind == nil || kind == .optimization || kind == .adaptation {
                    signals += try await store.learningSignals(limit: 1000).filter { kind == nil || $0.kind == kind }.prefix(limit)
                }
                let newest = signals.sorted { $0.time > $1.time }.prefix(limit)
                return JSONResponse.make(["signals": .array(newest.map(Representations.signal))])
            },
            APIRoute(APIOperation(
                .post, "/api/v1/feedback/outcomes", id: "recordFeedbackOutcome", tag: .feedback, summary: "Record an externally observed outcome", role: .trader,
                description: """
                    Scores a stored forecast against a close observed elsewhere. 404 for an unknown forecast, 409 when it already has \
                    an outcome, 422 when `observed_at` is before the forecast's target time or in the future; nothing is stored then.
                    """,
                requestBody: Schema.closedObject([
                    ("forecast_id", Schema.identifier),
                    ("realised_close", ["type": "string", "pattern": "^([1-9][0-9]{0,17}(\\.[0-9]{1,18})?|0\\.(?=[0-9]{0,17}[1-9])[0-9]{1,18})$",
                                        "description": "A positive exact decimal number, at most 18 fractional digits."]),
                    ("observed_at", Schema.dateTime),
                ], required: ["forecast_id", "realised_close", "observed_at"], description: "The forecast and the close observed at or after its target time."),
                success: .json("The stored outcome.", Schema.ref("ForecastOutcome"), status: .created),
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .notFound, .conflict, .unprocessable])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                let data = try await JSONBody.readChecked(request, allowedKeys: ["forecast_id", "realised_close", "observed_at"])
                let body = try JSONBody.decode(OutcomeBody.self, from: data)
                guard RequestDecimal.isWritten(body.realised_close) else {
                    throw ProblemDetails.invalidParameter("realised_close", "must be a positive decimal number in a string")
                }
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
            },
            APIRoute(APIOperation(
                .post, "/api/v1/feedback/optimize", id: "optimizeFeedbackThresholds", tag: .feedback, summary: "Re-tune the confidence thresholds now", role: .admin,
                description: "Tunes each horizon's threshold on its newest 2,000 outcomes; each change is stored with an OPTIMIZATION signal.",
                success: .json("Each horizon's decision.", Schema.object([("changes", Schema.array(Schema.ref("ThresholdChange")))])),
                problems: [.invalidParameter])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                let changes = try await cycle.optimizeThresholds(now: dependencies.clock.now())
                return JSONResponse.make(["changes": .array(changes.map(Representations.thresholdChange))])
            },
            APIRoute(APIOperation(
                .post, "/api/v1/feedback/models/rollback", id: "rollbackFeedbackModel", tag: .feedback, summary: "Put a stream's previous champion back", role: .admin,
                description: """
                    The newest RETIRED model version of the stream that once led becomes CHAMPION again and the current champion is \
                    retired, with an ADAPTATION signal; 404 when the stream has no champion, 409 when it has no earlier one. Streams are named \
                    `SYMBOL TIMEFRAME HORIZON`, as in the status' models.
                    """,
                requestBody: Schema.closedObject([("stream", ["type": "string", "examples": ["BTC-USD 1h 4h"]])], required: ["stream"],
                                                 description: "The stream whose champion is rolled back."),
                success: .json("The versions swapped.", Schema.object([("stream", Schema.string), ("restored", Schema.string), ("retired", Schema.string)])),
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .notFound, .conflict])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                let data = try await JSONBody.readChecked(request, allowedKeys: ["stream"])
                let body = try JSONBody.decode(RollbackBody.self, from: data)
                do {
                    let (restored, retired) = try await cycle.rollback(stream: body.stream, now: dependencies.clock.now())
                    return JSONResponse.make(["stream": .string(body.stream), "restored": .string(restored), "retired": .string(retired)])
                } catch let error as FeedbackCycle.RollbackError {
                    switch error {
                    case .noChampion: throw ProblemDetails(.notFound, detail: error.description)
                    case .noPreviousChampion: throw ProblemDetails(.conflict, detail: error.description)
                    }
                }
            },
            APIRoute(APIOperation(
                .post, "/api/v1/system/reset", id: "resetLearnedState", tag: .feedback, summary: "Clear what the feedback loop learned", role: .admin,
                description: """
                    Deletes every outcome, signal, threshold, model version and detector state in one transaction, after the \
                    confirmation `{"confirm": "\(resetConfirmation)"}` (422 otherwise). Never deletes forecasts, orders, fills, the \
                    ledger or equity points.
                    """,
                requestBody: Schema.closedObject([("confirm", ["type": "string", "const": .string(resetConfirmation)])], required: ["confirm"],
                                                 description: "The confirmation, word for word."),
                success: .json("What was removed and what was kept.", Schema.object([
                    ("removed", Schema.object(["outcomes", "decision_outcomes", "signals", "thresholds", "model_versions", "state"].map { ($0, Schema.integer) })),
                    ("kept", Schema.array(Schema.string)),
                ])),
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .unprocessable])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                let data = try await JSONBody.readChecked(request, allowedKeys: ["confirm"])
                let body = try JSONBody.decode(ResetBody.self, from: data)
                guard body.confirm == resetConfirmation else {
                    throw ProblemDetails(.unprocessable, detail: "a reset clears every outcome, signal, threshold, model version and detector state; send {\"confirm\": \"\(resetConfirmation)\"} to confirm (orders, fills, the ledger and forecasts are kept)")
                }
                let removed = try await store.resetLearnedState()
                return JSONResponse.make([
                    "removed": ["outcomes": .int(removed.outcomes), "decision_outcomes": .int(removed.decisions), "signals": .int(removed.signals), "thresholds": .int(removed.thresholds),
                                "model_versions": .int(removed.models), "state": .int(removed.state)],
                    "kept": ["forecasts", "orders", "fills", "ledger_entries", "equity_points"],
                ])
            },
        ]
    }

    /// The schemas of these routes' bodies.
    static let schemas: [(String, JSONValue)] = {
        let string = Schema.string, integer = Schema.integer, number = Schema.number, dateTime = Schema.dateTime
        let nullableNumber: JSONValue = ["type": ["number", "null"]]
        let signature = Schema.object([("regime", string), ("volatility", string), ("trend", string)])
        let verdict = Schema.strings([LearningSignal.Kind.success, .failure].map(\.rawValue))
        let figures: [(String, JSONValue)] = [("operations", number), ("success_rate", nullableNumber), ("p50_ms", nullableNumber), ("p95_ms", nullableNumber),
                                              ("p99_ms", nullableNumber)]
        return [
            ("LearningSignal", Schema.object([
                ("kind", Schema.enumeration(LearningSignal.Kind.self)), ("subject", string), ("rule", string),
                ("message", string), ("evidence", ["type": "object", "additionalProperties": ["type": "number"]]), ("time", dateTime),
            ])),
            ("ForecastOutcome", Schema.object([
                ("forecast_id", Schema.identifier), ("symbol", string), ("horizon", string), ("model", string),
                ("data_time", dateTime), ("target_time", dateTime), ("realised_close", Schema.decimal), ("realised_time", dateTime),
                ("realised_log_return", number), ("direction_hit", Schema.boolean), ("interval_hit", Schema.boolean), ("brier", number),
                ("log_loss", number), ("squared_error", number), ("log_score", number), ("verdict", verdict),
                ("rule", string), ("signature", signature), ("source", Schema.enumeration(StoredOutcome.Source.self)), ("scored_at", dateTime),
            ])),
            ("ThresholdChange", Schema.object([
                ("horizon", string), ("changed", Schema.boolean), ("threshold_before", number), ("threshold_after", number),
                ("objective_before", nullableNumber), ("objective_after", nullableNumber), ("decisions_before", integer), ("decisions_after", integer),
                ("outcomes", integer),
            ])),
            ("FeedbackStatus", Schema.object([
                ("learning_cycles", integer), ("last_cycle_at", Schema.nullableString),
                ("outcomes", Schema.object([("success", integer), ("failure", integer)])),
                ("decisions", Schema.object([("success", integer), ("failure", integer), ("net_pnl", Schema.decimal)])),
                ("thresholds", Schema.array(Schema.object([("horizon", string), ("threshold", number), ("objective", nullableNumber),
                                                           ("decisions", integer), ("updated_at", dateTime)]))),
                ("models", Schema.array(Schema.object([("name", string), ("role", Schema.enumeration(ModelVersionRecord.Role.self)),
                                                       ("parameters", string), ("created_at", dateTime), ("promoted_at", Schema.nullableDateTime)]))),
                ("drift_detectors", Schema.array(Schema.object([("stream", string), ("observations", ["type": ["integer", "null"]])]))),
                ("adaptation_score", Schema.object([("threshold_gain_per_decision", nullableNumber), ("threshold_changes_measured", integer),
                                                    ("model_gain_nats", nullableNumber), ("promotions", integer)])),
                ("last_signals", Schema.array(Schema.ref("LearningSignal"))), ("revision", integer),
            ])),
            ("SystemSignatures", Schema.object([
                ("generated_at", dateTime), ("half_life_days", integer), ("subjects", integer),
                ("signatures", Schema.array(Schema.object([("kind", Schema.enumeration(SystemSubjectKind.self)), ("subject", string), ("observers", integer)]
                    + figures + [
                        ("by_hour", Schema.array(Schema.object([("hour", integer)] + figures))),
                        ("by_load", Schema.array(Schema.object([("level", integer), ("operations_per_minute_from", number), ("operations_per_minute_to", number)] + figures))),
                        ("anomalies", Schema.array(Schema.object([("level", string), ("title", string), ("message", string), ("since", dateTime), ("host", string),
                                                                  ("role", string)]))),
                    ]))),
            ])),
            ("FeedbackPerformance", Schema.object([
                ("alerts", Schema.array(Schema.object([
                    ("kind", Schema.enumeration(PredictiveAlertRules.Kind.self)), ("raised", integer), ("scored", integer), ("hits", integer),
                    ("hit_rate", nullableNumber), ("base_rate", nullableNumber),
                ]))),
                ("outcomes_considered", integer), ("window", integer),
                ("strategies", Schema.array(Schema.object([("account", string), ("decisions", integer), ("hit_rate", number),
                                                           ("net_pnl", Schema.decimal), ("fees", Schema.decimal), ("mean_return_bps", number)]))),
                ("groups", Schema.array(Schema.object([
                    ("model", string), ("horizon", string), ("symbol", string), ("regime", string), ("count", integer), ("total_count", integer),
                    ("accuracy", number), ("interval_coverage", number), ("brier", number), ("log_loss", number), ("mean_squared_error", number),
                    ("log_score", number),
                    ("calibration", Schema.array(Schema.object([("lower", number), ("count", integer), ("mean_probability", number),
                                                                ("observed_frequency", number)]))),
                ]))),
                ("signatures", Schema.array(Schema.object([("signature", signature), ("count", integer), ("success_rate", number)]))),
                ("revision", integer),
            ])),
        ]
    }()
}

extension Representations {
    /// The performance document of `GET /api/v1/feedback/performance`: each group's newest
    /// `window` outcomes among the newest 100,000, the signatures' records and the strategies' decisions.
    public static func feedbackPerformance(_ store: any Store, horizon: String?, symbol: String?, model: String?, window: Int) async throws -> JSONValue {
        var tracker = PerformanceTracker(window: window)
        var considered = 0
        // Oldest first, so each key's window holds its newest outcomes; a page at a time, so the
        // document holds the windows, not 100,000 outcomes.
        try await store.forEachOutcomePage(newest: 100_000, oldestFirst: true) { page in
            for stored in page where (horizon == nil || stored.horizon == horizon) && (symbol == nil || stored.symbol.rawValue == symbol) && (model == nil || stored.model == model) {
                considered += 1
                tracker.record(stored.outcome, probabilityUp: stored.probabilityUp,
                               key: PerformanceTracker.Key(model: stored.model, horizon: stored.horizon, symbol: stored.symbol.rawValue, regime: stored.signature.regime),
                               signature: stored.signature)
            }
        }
        let decisions = try await store.decisionOutcomes(limit: 100_000)
        return [
            "alerts": .array(try await store.predictiveAlertSummaries().map(Representations.predictiveAlertSummary)),
            "outcomes_considered": .int(considered),
            "strategies": .array(Representations.strategies(decisions)),
            "window": .int(window),
            "groups": .array(tracker.summaries.map { Representations.performance($0.key, $0.summary) }),
            "signatures": .array(tracker.signatureRecords().map(Representations.signatureRecord)),
        ]
    }

    /// The feedback loop's status document (`GET /api/v1/feedback/status`, `orchestrator feedback report`).
    public static func feedbackStatus(_ store: any Store) async throws -> JSONValue {
        let state = try await store.feedbackState()
        let counts = try await store.outcomeCounts()
        let signals = try await store.learningSignals(limit: 1000)
        var measurement = AdaptationScore.Measurement(signals: signals)
        try await store.forEachOutcomePage(newest: 100_000, oldestFirst: false) { page in
            for stored in page {
                measurement.add(horizon: stored.horizon, regime: stored.signature.regime, dataTime: stored.dataTime,
                                probabilityUp: stored.probabilityUp, realisedLogReturn: stored.outcome.realisedLogReturn)
            }
        }
        let score = measurement.score()
        let decisions = try await store.decisionOutcomes(limit: 100_000)
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
