import Foundation

/// What a forecast said, as far as scoring needs it.
public struct ForecastClaim: Sendable, Hashable, Codable {
    /// Expected log return over the horizon.
    public let expectedLogReturn: Double
    /// Probability that the horizon's log return is positive.
    public let probabilityUp: Double
    /// Forecast standard deviation of the horizon's log return.
    public let volatility: Double
    /// The 80 % interval.
    public let intervalLow: Double
    public let intervalHigh: Double

    /// Creates a claim.
    public init(expectedLogReturn: Double, probabilityUp: Double, volatility: Double, intervalLow: Double, intervalHigh: Double) {
        self.expectedLogReturn = expectedLogReturn
        self.probabilityUp = probabilityUp
        self.volatility = volatility
        self.intervalLow = intervalLow
        self.intervalHigh = intervalHigh
    }
}

/// A forecast scored against what happened when its horizon elapsed.
public struct ForecastOutcome: Sendable, Hashable, Codable {
    /// The realised log return over the horizon.
    public let realisedLogReturn: Double
    /// Whether the forecast's side (P(up) above or below ½) matched the realised sign (up means > 0).
    public let directionHit: Bool
    /// Whether the realised return fell inside the 80 % interval.
    public let intervalHit: Bool
    /// (P(up) − 1{up})².
    public let brier: Double
    /// −log of the probability given to what happened (clipped as sklearn's `log_loss`).
    public let logLoss: Double
    /// (expected − realised)².
    public let squaredError: Double
    /// −log of the Gaussian predictive density at the realised return: the proper score of the
    /// whole forecast (mean and volatility); lower is better.
    public let logScore: Double
    /// SUCCESS or FAILURE.
    public let verdict: LearningSignal.Kind
    /// The rule that decided the verdict.
    public let rule: String

    /// The verdict rule: the side of P(up) against the realised sign; a forecast without a side
    /// (P(up) exactly ½) is judged by its 80 % interval.
    public static let rule = "direction: P(up) > 0.5 and r > 0, or P(up) < 0.5 and r <= 0; P(up) = 0.5 judged by the 80% interval"

    /// An outcome as stored earlier.
    public init(realisedLogReturn: Double, directionHit: Bool, intervalHit: Bool, brier: Double, logLoss: Double, squaredError: Double,
                logScore: Double, verdict: LearningSignal.Kind, rule: String) {
        self.realisedLogReturn = realisedLogReturn
        self.directionHit = directionHit
        self.intervalHit = intervalHit
        self.brier = brier
        self.logLoss = logLoss
        self.squaredError = squaredError
        self.logScore = logScore
        self.verdict = verdict
        self.rule = rule
    }

    /// Scores `claim` against the realised log return.
    public init(claim: ForecastClaim, realisedLogReturn r: Double) {
        let up = r > 0
        realisedLogReturn = r
        intervalHit = r >= claim.intervalLow && r <= claim.intervalHigh
        directionHit = claim.probabilityUp > 0.5 ? up : (claim.probabilityUp < 0.5 ? !up : intervalHit)
        brier = ProbabilityScores.brier(probability: claim.probabilityUp, outcome: up)
        logLoss = ProbabilityScores.logLoss(probability: claim.probabilityUp, outcome: up)
        squaredError = (claim.expectedLogReturn - r) * (claim.expectedLogReturn - r)
        logScore = -ProbabilityScores.gaussianLogDensity(r, mean: claim.expectedLogReturn, standardDeviation: max(claim.volatility, 1e-12))
        verdict = directionHit ? .success : .failure
        rule = Self.rule
    }

    /// The log return between two closes given as decimal text, or nil when either is not a positive number.
    public static func logReturn(from reference: String, to realised: String) -> Double? {
        guard let start = Double(reference), let end = Double(realised), start > 0, end > 0 else { return nil }
        return log(end / start)
    }
}
