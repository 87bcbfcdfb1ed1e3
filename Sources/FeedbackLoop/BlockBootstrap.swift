import QuantMath

/// A confidence interval for the mean of a dependent series by the circular block bootstrap
/// (Politis and Romano): each replicate joins blocks of `blockLength` consecutive values starting
/// at uniformly drawn positions, wrapping past the end, cut to the sample's length; the interval is
/// the percentile interval of the replicates' means. Overlapping forecast horizons make
/// consecutive score differences correlated, which an i.i.d. bootstrap would ignore.
/// Checked against `arch.bootstrap.CircularBlockBootstrap(...).conf_int(method="percentile")` up to
/// Monte-Carlo noise.
public struct BlockBootstrap: Sendable {
    /// Values per block (1 = the i.i.d. bootstrap).
    public let blockLength: Int
    /// Replicates drawn.
    public let replications: Int
    /// The seed: the same values and seed give the same interval.
    public let seed: UInt64

    /// Creates a bootstrap.
    public init(blockLength: Int, replications: Int = 2000, seed: UInt64 = 20_261_126) {
        precondition(blockLength >= 1 && replications >= 10)
        self.blockLength = blockLength
        self.replications = replications
        self.seed = seed
    }

    /// A two-sided interval of the mean.
    public struct Interval: Sendable, Hashable, Codable {
        /// The sample mean.
        public let mean: Double
        /// The interval's ends.
        public let low: Double
        public let high: Double
        /// The coverage asked for (0.95).
        public let confidence: Double

        /// Whether zero lies outside the interval.
        public var excludesZero: Bool { low > 0 || high < 0 }
    }

    /// The percentile interval of the mean of `values` at `confidence`.
    public func meanInterval(_ values: [Double], confidence: Double = 0.95) -> Interval {
        precondition(!values.isEmpty && confidence > 0 && confidence < 1)
        let count = values.count
        var generator = SeededGenerator(seed: seed)
        var means = [Double](repeating: 0, count: replications)
        let blocks = (count + blockLength - 1) / blockLength
        for replicate in 0..<replications {
            var sum = 0.0, taken = 0
            blockLoop: for _ in 0..<blocks {
                let start = Int(generator.next() % UInt64(count))
                for offset in 0..<blockLength {
                    guard taken < count else { break blockLoop }
                    sum += values[(start + offset) % count]
                    taken += 1
                }
            }
            means[replicate] = sum / Double(count)
        }
        means.sort()
        let tail = (1 - confidence) / 2
        return Interval(mean: values.reduce(0, +) / Double(count), low: Statistics.quantile(sorted: means, tail),
                        high: Statistics.quantile(sorted: means, 1 - tail), confidence: confidence)
    }
}
