import Foundation

/// When a challenger model replaces the champion: on the same shadow forecasts, the challenger's
/// mean log score (negative Gaussian log density of the realised return; lower is better) must
/// be lower by at least `margin` nats per forecast, and the block-bootstrap interval of the
/// per-forecast improvement must exclude zero. Anything less keeps the champion.
public struct PromotionRule: Sendable, Hashable, Codable {
    /// The least mean improvement, in nats per forecast.
    public var margin = 0.01
    /// The interval's coverage.
    public var confidence = 0.95
    /// Paired forecasts needed before deciding.
    public var minimumPairs = 100
    /// Bootstrap replicates.
    public var replications = 2000

    /// Creates the rule with the documented defaults.
    public init() {}

    /// The rule in words, as an ADAPTATION signal states it.
    public func statement(shadowPairs: Int) -> String {
        "promotion: mean log-score gain ≥ \(margin) nats over \(shadowPairs) shadow forecasts and its \(Int(confidence * 100))% block-bootstrap interval excludes zero"
    }

    /// The verdict with its evidence.
    public struct Verdict: Sendable, Hashable, Codable {
        /// Whether the challenger is promoted.
        public let promote: Bool
        /// Why, in a sentence.
        public let reason: String
        /// Mean log score of each on the shadow forecasts.
        public let championScore: Double
        public let challengerScore: Double
        /// The interval of the mean improvement (champion − challenger; positive favours the challenger).
        public let improvement: BlockBootstrap.Interval
        /// Paired forecasts compared.
        public let pairs: Int

        /// The numbers of an ADAPTATION signal.
        public var evidence: [String: Double] {
            ["champion_log_score": championScore, "challenger_log_score": challengerScore, "improvement_mean": improvement.mean,
             "improvement_low": improvement.low, "improvement_high": improvement.high, "pairs": Double(pairs)]
        }
    }

    /// Compares paired losses (same targets, same order); `blockLength` is the horizon in bars,
    /// the span over which consecutive forecasts share returns.
    public func evaluate(championLosses: [Double], challengerLosses: [Double], blockLength: Int, seed: UInt64 = 20_261_126) -> Verdict {
        precondition(championLosses.count == challengerLosses.count && !championLosses.isEmpty)
        let differences = zip(championLosses, challengerLosses).map { $0 - $1 }
        let interval = BlockBootstrap(blockLength: max(blockLength, 1), replications: replications, seed: seed)
            .meanInterval(differences, confidence: confidence)
        let champion = championLosses.reduce(0, +) / Double(championLosses.count)
        let challenger = challengerLosses.reduce(0, +) / Double(challengerLosses.count)
        let reason: String
        let promote: Bool
        if differences.count < minimumPairs {
            (promote, reason) = (false, "only \(differences.count) paired forecasts; \(minimumPairs) are needed")
        } else if interval.mean < margin {
            (promote, reason) = (false, "mean improvement \(Self.format(interval.mean)) nats is below the margin \(Self.format(margin))")
        } else if interval.low <= 0 {
            (promote, reason) = (false, "the \(Int(confidence * 100))% interval of the improvement [\(Self.format(interval.low)), \(Self.format(interval.high))] includes zero")
        } else {
            (promote, reason) = (true, "better by \(Self.format(interval.mean)) nats per forecast, \(Int(confidence * 100))% interval [\(Self.format(interval.low)), \(Self.format(interval.high))]")
        }
        return Verdict(promote: promote, reason: reason, championScore: champion, challengerScore: challenger, improvement: interval, pairs: differences.count)
    }

    static func format(_ value: Double) -> String {
        String(format: "%.4f", value)
    }
}
