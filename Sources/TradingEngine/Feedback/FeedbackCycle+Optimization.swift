import FeedbackLoop
import TradingCore

extension FeedbackCycle {
    /// One horizon's tuning.
    public struct ThresholdChange: Sendable, Codable {
        /// The horizon label.
        public let horizon: String
        /// The tuner's decision with its evidence.
        public let decision: ConfidenceThresholdTuner.Decision
    }

    /// Re-tunes every horizon's confidence threshold on its newest `recent` outcomes, and each
    /// market regime's own (stored as `horizon@REGIME`) where the regime has at least
    /// `minimumRegimeOutcomes` of them; each change is stored with an OPTIMIZATION signal carrying
    /// the before/after evidence, in one transaction.
    public func optimizeThresholds(now: Timestamp, tuner: ConfidenceThresholdTuner = ConfidenceThresholdTuner(), recent: Int = 2000,
                                   minimumRegimeOutcomes: Int = 300) async throws -> [ThresholdChange] {
        let outcomes = try await store.outcomes(limit: 200_000)
        // Nothing to learn from: no commit, so a scheduled run on an empty store neither counts a
        // learning cycle nor moves the learned state's revision (which would drop its kept summaries).
        guard !outcomes.isEmpty else { return [] }
        let current = Dictionary(try await store.thresholds().map { ($0.horizon, $0.threshold) }, uniquingKeysWith: { a, _ in a })
        var commit = FeedbackCommit()
        commit.countsAsCycle = true
        var changes: [ThresholdChange] = []
        var groups: [(key: String, rows: ArraySlice<StoredOutcome>, fallback: String?)] = []
        for (horizon, rows) in Dictionary(grouping: outcomes, by: \.horizon).sorted(by: { $0.key < $1.key }) {
            let sample = rows.prefix(recent)
            groups.append((horizon, sample, nil))
            for (regime, regimeRows) in Dictionary(grouping: sample, by: \.signature.regime).sorted(by: { $0.key < $1.key })
            where regime != MarketSignature.unknown.regime && regimeRows.count >= minimumRegimeOutcomes {
                groups.append(("\(horizon)@\(regime)", regimeRows[...], horizon))
            }
        }
        for (key, rows, fallback) in groups {
            let sample = rows.map { (probabilityUp: $0.probabilityUp, realisedLogReturn: $0.outcome.realisedLogReturn) }
            let decision = tuner.tune(current: current[key] ?? fallback.flatMap { current[$0] } ?? tuner.lowest, outcomes: sample)
            changes.append(ThresholdChange(horizon: key, decision: decision))
            commit.thresholds.append(StoredThreshold(horizon: key, threshold: decision.after, objective: decision.objectiveAfter,
                                                     decisions: decision.decisionsAfter, tunedThrough: rows.map(\.targetTime).max(), updatedAt: now))
            guard decision.changed else { continue }
            var evidence = ["threshold_before": decision.before, "threshold_after": decision.after, "decisions_before": Double(decision.decisionsBefore),
                            "decisions_after": Double(decision.decisionsAfter), "outcomes": Double(decision.outcomes)]
            evidence["objective_before"] = decision.objectiveBefore
            evidence["objective_after"] = decision.objectiveAfter
            commit.signals.append(LearningSignal(
                kind: .optimization, subject: "threshold \(key)",
                rule: "maximise mean net log return per decision (cost \(tuner.costPerDecision)) over thresholds \(tuner.lowest)...\(tuner.highest), ≥ \(tuner.minimumDecisions) decisions, move only on a gain > \(tuner.hysteresis)",
                message: "confidence threshold of \(key) moved from \(decision.before) to \(decision.after)", evidence: evidence, time: now))
        }
        try await store.commitFeedback(commit, at: now)
        return changes
    }
}
