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
        var measurement = Measurement(signals: signals)
        for outcome in outcomes {
            measurement.add(horizon: outcome.horizon, regime: outcome.regime, dataTime: outcome.dataTime,
                            probabilityUp: outcome.probabilityUp, realisedLogReturn: outcome.realisedLogReturn)
        }
        return measurement.score(tuner: tuner)
    }
}
