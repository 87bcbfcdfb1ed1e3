import Foundation

/// Scores of probability forecasts of binary events and of Gaussian predictive densities, as
/// scikit-learn and scipy compute them.
public enum ProbabilityScores {
    /// The mean squared difference between probabilities and outcomes (sklearn `brier_score_loss`).
    public static func brier(probabilities: [Double], outcomes: [Bool]) -> Double {
        precondition(probabilities.count == outcomes.count && !outcomes.isEmpty)
        return zip(probabilities, outcomes).reduce(0) { $0 + brier(probability: $1.0, outcome: $1.1) } / Double(outcomes.count)
    }

    /// One forecast's Brier contribution.
    public static func brier(probability: Double, outcome: Bool) -> Double {
        let difference = probability - (outcome ? 1 : 0)
        return difference * difference
    }

    /// Probabilities are clipped to [ε, 1 − ε] with the machine epsilon before the logarithm, as
    /// sklearn's `log_loss` does, so a certain forecast that is wrong costs a large finite amount.
    public static let logLossEpsilon = Double.ulpOfOne

    /// The mean negative log-likelihood of the outcomes (sklearn `log_loss`).
    public static func logLoss(probabilities: [Double], outcomes: [Bool]) -> Double {
        precondition(probabilities.count == outcomes.count && !outcomes.isEmpty)
        return zip(probabilities, outcomes).reduce(0) { $0 + logLoss(probability: $1.0, outcome: $1.1) } / Double(outcomes.count)
    }

    /// One forecast's log loss.
    public static func logLoss(probability: Double, outcome: Bool) -> Double {
        let clipped = min(max(probability, logLossEpsilon), 1 - logLossEpsilon)
        return -log(outcome ? clipped : 1 - clipped)
    }

    /// One calibration bin: the mean forecast probability and the observed frequency.
    public struct CalibrationBin: Sendable, Hashable, Codable {
        /// The bin's lower edge.
        public let lower: Double
        /// Forecasts in the bin.
        public let count: Int
        /// Their mean probability.
        public let meanProbability: Double
        /// The share of them whose event happened.
        public let observedFrequency: Double
    }

    /// The reliability curve over `bins` equal-width bins, empty bins left out (sklearn
    /// `calibration_curve(strategy="uniform")`: a probability on an inner edge belongs to the lower bin).
    public static func calibration(probabilities: [Double], outcomes: [Bool], bins: Int = 10) -> [CalibrationBin] {
        var counts = [Int](repeating: 0, count: bins), sums = [Double](repeating: 0, count: bins), hits = [Int](repeating: 0, count: bins)
        for (probability, outcome) in zip(probabilities, outcomes) {
            let bin = calibrationBin(probability, bins: bins)
            counts[bin] += 1
            sums[bin] += probability
            if outcome { hits[bin] += 1 }
        }
        return (0..<bins).compactMap { bin in
            counts[bin] == 0 ? nil : CalibrationBin(lower: Double(bin) / Double(bins), count: counts[bin],
                                                    meanProbability: sums[bin] / Double(counts[bin]),
                                                    observedFrequency: Double(hits[bin]) / Double(counts[bin]))
        }
    }

    /// The bin of a probability: the number of inner edges of `linspace(0, 1, bins + 1)` below it
    /// (`searchsorted(edges, p)`, side left, as sklearn).
    static func calibrationBin(_ probability: Double, bins: Int) -> Int {
        var bin = 0
        while bin < bins - 1 && probability > edge(bin + 1, bins: bins) { bin += 1 }
        return bin
    }

    /// The k-th edge of `numpy.linspace(0, 1, bins + 1)`.
    static func edge(_ k: Int, bins: Int) -> Double {
        Double(k) * (1.0 / Double(bins))
    }

    /// log φ((x − mean) / sd) − log sd, the Gaussian log density (scipy `norm.logpdf`).
    public static func gaussianLogDensity(_ x: Double, mean: Double, standardDeviation: Double) -> Double {
        let z = (x - mean) / standardDeviation
        return -0.5 * z * z - log(standardDeviation) - 0.5 * log(2 * Double.pi)
    }
}
