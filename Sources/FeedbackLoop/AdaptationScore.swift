import TradingCore

/// How much the loop's changes improved what it tracks, measured only on outcomes that came after
/// each change (never on the data the change was tuned on).
///
/// Threshold changes: for each OPTIMIZATION of a horizon's threshold at time t, the tuner's
/// objective (net log return per decision) of the new threshold minus that of the old one, over the
/// horizon's outcomes with data time after t and before that horizon's next change. Model changes:
/// each ADAPTATION's shadow improvement (nats per forecast), already out of sample by construction.
public struct AdaptationScore: Sendable, Hashable, Codable {
    /// Mean out-of-sample gain of the threshold changes that had outcomes after them (nil: none yet).
    public let thresholdGainPerDecision: Double?
    /// Threshold changes measured.
    public let thresholdChangesMeasured: Int
    /// Mean shadow improvement of the promoted models (nil: none promoted).
    public let modelGainNats: Double?
    /// Promotions counted.
    public let promotions: Int

    /// Measures the signals against the outcomes `(horizon, dataTime, probabilityUp, realisedLogReturn)`.
    public static func measure(signals: [LearningSignal],
                               outcomes: [(horizon: String, regime: String, dataTime: Timestamp, probabilityUp: Double, realisedLogReturn: Double)],
                               tuner: ConfidenceThresholdTuner = ConfidenceThresholdTuner()) -> AdaptationScore {
        var judge = tuner
        judge.minimumDecisions = 1
        let changes = signals.filter { $0.kind == .optimization && $0.subject.hasPrefix("threshold ") }.sorted { $0.time < $1.time }
        var gains: [Double] = []
        for (position, change) in changes.enumerated() {
            // `threshold 4h` covers the horizon's outcomes, `threshold 4h@BULL` those of the regime.
            let key = change.subject.dropFirst("threshold ".count).split(separator: "@", maxSplits: 1).map(String.init)
            let horizon = key[0], regime = key.count > 1 ? key[1] : nil
            guard let before = change.evidence["threshold_before"], let after = change.evidence["threshold_after"] else { continue }
            let next = changes[(position + 1)...].first { $0.subject == change.subject }?.time
            let later = outcomes.filter { $0.horizon == horizon && (regime == nil || $0.regime == regime) && $0.dataTime > change.time && (next == nil || $0.dataTime <= next!) }
                .map { (probabilityUp: $0.probabilityUp, realisedLogReturn: $0.realisedLogReturn) }
            guard let old = judge.objective(threshold: before, outcomes: later).value, let new = judge.objective(threshold: after, outcomes: later).value else { continue }
            gains.append(new - old)
        }
        let promotions = signals.filter { $0.kind == .adaptation }.compactMap { $0.evidence["improvement_mean"] }
        return AdaptationScore(
            thresholdGainPerDecision: gains.isEmpty ? nil : gains.reduce(0, +) / Double(gains.count), thresholdChangesMeasured: gains.count,
            modelGainNats: promotions.isEmpty ? nil : promotions.reduce(0, +) / Double(promotions.count), promotions: promotions.count)
    }
}
