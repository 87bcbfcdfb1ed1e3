/// Tunes the confidence |P(up) − ½| a forecast needs before the engine acts on it, on recent
/// scored outcomes.
///
/// Objective: the mean net log return per decision of acting on the forecast's side (long when
/// P(up) > ½, short or out when below) less `costPerDecision`, over the outcomes whose confidence
/// reaches the threshold. Candidates: `bounds` in steps of `step`; one needs `minimumDecisions`
/// outcomes to be considered. Hysteresis: the threshold moves only when the best candidate beats
/// the current threshold's objective by more than `hysteresis`, so noise does not make it flap.
public struct ConfidenceThresholdTuner: Sendable {
    /// The lowest and highest threshold allowed.
    public var lowest = 0.0
    public var highest = 0.2
    /// The grid step.
    public var step = 0.01
    /// Outcomes a candidate needs.
    public var minimumDecisions = 30
    /// Improvement of the objective (log return per decision) needed to move.
    public var hysteresis = 0.0002
    /// Round-trip cost of one decision, in log return (0.001 = 10 bp).
    public var costPerDecision = 0.001

    /// Creates a tuner with the documented defaults.
    public init() {}

    /// The outcome of one tuning.
    public struct Decision: Sendable, Hashable, Codable {
        /// The threshold before and after (equal when unchanged).
        public let before: Double
        public let after: Double
        /// The objective at each, nil when the threshold had too few decisions to measure.
        public let objectiveBefore: Double?
        public let objectiveAfter: Double?
        /// Decisions at each.
        public let decisionsBefore: Int
        public let decisionsAfter: Int
        /// Outcomes the tuning looked at.
        public let outcomes: Int

        /// Whether the threshold moved.
        public var changed: Bool { before != after }
    }

    /// The objective of threshold `threshold` over the outcomes, and how many decisions it makes.
    public func objective(threshold: Double, outcomes: [(probabilityUp: Double, realisedLogReturn: Double)]) -> (value: Double?, decisions: Int) {
        var sum = 0.0, decisions = 0
        for outcome in outcomes {
            let confidence = abs(outcome.probabilityUp - 0.5)
            guard confidence > 0, confidence >= threshold - 1e-12 else { continue }
            let side = outcome.probabilityUp > 0.5 ? 1.0 : -1.0
            sum += side * outcome.realisedLogReturn - costPerDecision
            decisions += 1
        }
        return (decisions >= minimumDecisions ? sum / Double(decisions) : nil, decisions)
    }

    /// Tunes from `current` on the outcomes.
    public func tune(current: Double, outcomes: [(probabilityUp: Double, realisedLogReturn: Double)]) -> Decision {
        let now = objective(threshold: current, outcomes: outcomes)
        var best: (threshold: Double, value: Double, decisions: Int)?
        let steps = Int(((highest - lowest) / step).rounded())
        for index in 0...steps {
            let candidate = lowest + Double(index) * step
            let measured = objective(threshold: candidate, outcomes: outcomes)
            guard let value = measured.value else { continue }
            // Ties keep the candidate closest to the current threshold.
            if best == nil || value > best!.value || (value == best!.value && abs(candidate - current) < abs(best!.threshold - current)) {
                best = (candidate, value, measured.decisions)
            }
        }
        guard let best, best.threshold != current else {
            return Decision(before: current, after: current, objectiveBefore: now.value, objectiveAfter: now.value,
                            decisionsBefore: now.decisions, decisionsAfter: now.decisions, outcomes: outcomes.count)
        }
        // Move only on a clear gain; a current threshold that cannot be measured any more moves to the best.
        if let currentValue = now.value, best.value - currentValue <= hysteresis {
            return Decision(before: current, after: current, objectiveBefore: currentValue, objectiveAfter: currentValue,
                            decisionsBefore: now.decisions, decisionsAfter: now.decisions, outcomes: outcomes.count)
        }
        return Decision(before: current, after: best.threshold, objectiveBefore: now.value, objectiveAfter: best.value,
                        decisionsBefore: now.decisions, decisionsAfter: best.decisions, outcomes: outcomes.count)
    }
}
