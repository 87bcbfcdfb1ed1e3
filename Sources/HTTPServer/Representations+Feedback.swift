import FeedbackLoop
import TradingCore
import TradingEngine

extension Representations {
    /// A learning signal; evidence keys sorted.
    public static func signal(_ signal: LearningSignal) -> JSONValue {
        [
            "kind": .string(signal.kind.rawValue),
            "subject": .string(signal.subject),
            "rule": .string(signal.rule),
            "message": .string(signal.message),
            "evidence": .object(signal.evidence.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) }),
            "time": .string(signal.time.iso8601),
        ]
    }

    /// The SUCCESS or FAILURE signal of a scored outcome.
    public static func signal(of stored: StoredOutcome) -> LearningSignal {
        let outcome = stored.outcome
        return LearningSignal(
            kind: outcome.verdict, subject: "forecast \(stored.forecastId)", rule: outcome.rule,
            message: "\(stored.symbol) \(stored.horizon) from \(stored.dataTime.iso8601): P(up) \(stored.probabilityUp), realised log return \(outcome.realisedLogReturn)",
            evidence: ["probability_up": stored.probabilityUp, "realised_log_return": outcome.realisedLogReturn, "brier": outcome.brier,
                       "log_score": outcome.logScore, "interval_hit": outcome.intervalHit ? 1 : 0],
            time: stored.scoredAt)
    }

    /// A stored outcome.
    public static func outcome(_ stored: StoredOutcome) -> JSONValue {
        let outcome = stored.outcome
        return [
            "forecast_id": .integer(stored.forecastId),
            "symbol": .string(stored.symbol.rawValue),
            "horizon": .string(stored.horizon),
            "model": .string(stored.model),
            "data_time": .string(stored.dataTime.iso8601),
            "target_time": .string(stored.targetTime.iso8601),
            "realised_close": .string(stored.realisedClose),
            "realised_time": .string(stored.realisedTime.iso8601),
            "realised_log_return": .number(outcome.realisedLogReturn),
            "direction_hit": .bool(outcome.directionHit),
            "interval_hit": .bool(outcome.intervalHit),
            "brier": .number(outcome.brier),
            "log_loss": .number(outcome.logLoss),
            "squared_error": .number(outcome.squaredError),
            "log_score": .number(outcome.logScore),
            "verdict": .string(outcome.verdict.rawValue),
            "rule": .string(outcome.rule),
            "signature": signature(stored.signature),
            "source": .string(stored.source.rawValue),
            "scored_at": .string(stored.scoredAt.iso8601),
        ]
    }

    /// A market signature.
    public static func signature(_ signature: MarketSignature) -> JSONValue {
        ["regime": .string(signature.regime), "volatility": .string(signature.volatility), "trend": .string(signature.trend)]
    }

    /// One tracked group's rolling figures.
    public static func performance(_ key: PerformanceTracker.Key, _ summary: PerformanceTracker.Summary) -> JSONValue {
        [
            "model": .string(key.model), "horizon": .string(key.horizon), "symbol": .string(key.symbol), "regime": .string(key.regime),
            "count": .int(summary.count), "total_count": .int(summary.totalCount), "accuracy": .number(summary.accuracy),
            "interval_coverage": .number(summary.intervalCoverage), "brier": .number(summary.brier), "log_loss": .number(summary.logLoss),
            "mean_squared_error": .number(summary.meanSquaredError), "log_score": .number(summary.logScore),
            "calibration": .array(summary.calibration.map {
                ["lower": .number($0.lower), "count": .int($0.count), "mean_probability": .number($0.meanProbability),
                 "observed_frequency": .number($0.observedFrequency)]
            }),
        ]
    }

    /// A market signature's success record.
    public static func signatureRecord(_ record: PerformanceTracker.SignatureRecord) -> JSONValue {
        ["signature": signature(record.signature), "count": .int(record.count), "success_rate": .number(record.successRate)]
    }

    /// A horizon's threshold.
    public static func threshold(_ threshold: StoredThreshold) -> JSONValue {
        ["horizon": .string(threshold.horizon), "threshold": .number(threshold.threshold), "objective": threshold.objective.map(JSONValue.number) ?? .null,
         "decisions": .int(threshold.decisions), "updated_at": .string(threshold.updatedAt.iso8601)]
    }

    /// A model version.
    public static func modelVersion(_ model: ModelVersionRecord) -> JSONValue {
        ["name": .string(model.name), "role": .string(model.role.rawValue), "parameters": .string(model.parameters), "created_at": .string(model.createdAt.iso8601),
         "promoted_at": model.promotedAt.map { .string($0.iso8601) } ?? .null]
    }

    /// One predictive alert kind's record: the hit rate beside the base rate of its event.
    public static func predictiveAlertSummary(_ summary: PredictiveAlertSummary) -> JSONValue {
        ["kind": .string(summary.kind.rawValue), "raised": .int(summary.raised), "scored": .int(summary.scored), "hits": .int(summary.hits),
         "hit_rate": summary.scored > 0 ? .number(Double(summary.hits) / Double(summary.scored)) : .null,
         "base_rate": summary.meanBaseRate.map(JSONValue.number) ?? .null]
    }

    /// One horizon's tuning.
    public static func thresholdChange(_ change: FeedbackCycle.ThresholdChange) -> JSONValue {
        let decision = change.decision
        return [
            "horizon": .string(change.horizon), "changed": .bool(decision.changed), "threshold_before": .number(decision.before),
            "threshold_after": .number(decision.after), "objective_before": decision.objectiveBefore.map(JSONValue.number) ?? .null,
            "objective_after": decision.objectiveAfter.map(JSONValue.number) ?? .null, "decisions_before": .int(decision.decisionsBefore),
            "decisions_after": .int(decision.decisionsAfter), "outcomes": .int(decision.outcomes),
        ]
    }
}

extension Representations {
    /// P&L and hit rate of the scored decisions per account (each account runs one strategy).
    public static func strategies(_ decisions: [StoredDecisionOutcome]) -> [JSONValue] {
        Dictionary(grouping: decisions, by: \.account).sorted { $0.key < $1.key }.map { account, rows in
            let successes = rows.filter { $0.outcome.verdict == .success }.count
            return [
                "account": .string(account), "decisions": .int(rows.count), "hit_rate": .number(Double(successes) / Double(rows.count)),
                "net_pnl": .string(rows.reduce(FixedDecimal.zero) { $0 + $1.outcome.netPnL }.description),
                "fees": .string(rows.reduce(FixedDecimal.zero) { $0 + $1.outcome.fee }.description),
                "mean_return_bps": .number(rows.reduce(0) { $0 + $1.outcome.returnBasisPoints } / Double(rows.count)),
            ]
        }
    }
}
