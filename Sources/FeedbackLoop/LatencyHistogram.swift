import Foundation

/// Latencies counted in fixed buckets whose upper bounds grow by √2 from 100 µs to about 105 s,
/// then one overflow bucket: every process and every stored signature shares the bounds, so
/// histograms add bucket by bucket, and a percentile is known to within a factor √2.
///
/// Counts are weights (`Double`): a signature's older observations count for less as it ages.
public struct LatencyHistogram: Sendable, Hashable {
    /// Bucket upper bounds in milliseconds: 0.1 × √2^i for i = 0…40 (the overflow bucket has none).
    public static let upperBoundsMilliseconds: [Double] = (0...40).map { 0.1 * pow(2, Double($0) / 2) }
    /// Buckets: one per bound and the overflow.
    public static var bucketCount: Int { upperBoundsMilliseconds.count + 1 }

    /// The weight in each bucket.
    public private(set) var counts: [Double]

    /// An empty histogram.
    public init() {
        counts = Array(repeating: 0, count: Self.bucketCount)
    }

    /// The total weight.
    public var total: Double { counts.reduce(0, +) }

    /// The bucket of a latency: the first whose upper bound is at least it.
    public static func bucket(milliseconds: Double) -> Int {
        guard milliseconds > 0.1 else { return 0 }
        let estimate = Int((2 * log2(milliseconds / 0.1)).rounded(.up))
        // log2 may land a hair off at an exact bound: step to the first bound that holds it.
        var index = max(0, min(estimate - 1, upperBoundsMilliseconds.count))
        while index < upperBoundsMilliseconds.count && upperBoundsMilliseconds[index] < milliseconds { index += 1 }
        return index
    }

    /// Adds one observation (or `weight` of them) of `milliseconds`.
    public mutating func add(milliseconds: Double, weight: Double = 1) {
        counts[Self.bucket(milliseconds: milliseconds)] += weight
    }

    /// Adds another histogram's weights, scaled by `factor`.
    public mutating func add(_ other: LatencyHistogram, scaledBy factor: Double = 1) {
        for index in counts.indices { counts[index] += other.counts[index] * factor }
    }

    /// The upper bound of the bucket where the cumulative weight reaches `q` of the total, in
    /// milliseconds (the overflow bucket reads as its lower bound × √2); nil when empty.
    public func quantileMilliseconds(_ q: Double) -> Double? {
        let total = total
        guard total > 0 else { return nil }
        var cumulative = 0.0
        for (index, count) in counts.enumerated() {
            cumulative += count
            if cumulative >= q * total * (1 - 1e-12) { return Self.displayBound(index) }
        }
        return Self.displayBound(counts.count - 1)
    }

    /// A bucket's upper bound in milliseconds, the overflow's taken as √2 beyond the last bound.
    public static func displayBound(_ index: Int) -> Double {
        index < upperBoundsMilliseconds.count ? upperBoundsMilliseconds[index] : upperBoundsMilliseconds[upperBoundsMilliseconds.count - 1] * 2.0.squareRoot()
    }

    /// The weight in the buckets above `index` (slower than its upper bound).
    public func weight(above index: Int) -> Double {
        guard index + 1 < counts.count else { return 0 }
        return counts[(index + 1)...].reduce(0, +)
    }

    /// The first bucket whose share of weight above it is at most `share`: the boundary beyond
    /// which "slow" starts for this histogram; nil when empty.
    public func tailBoundary(share: Double) -> Int? {
        let total = total
        guard total > 0 else { return nil }
        var above = total
        for (index, count) in counts.enumerated() {
            above -= count
            if above <= share * total + 1e-9 { return index }
        }
        return counts.count - 1
    }

    /// Compact text for storage: `index:weight` pairs of the non-empty buckets, comma-separated.
    public var encoded: String {
        counts.enumerated().filter { $0.element != 0 }.map { "\($0.offset):\($0.element)" }.joined(separator: ",")
    }

    /// Reads `encoded`'s text; nil when a pair is not `index:weight` with a known bucket and a
    /// finite, non-negative weight.
    public init?(encoded text: String) {
        self.init()
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let index = Int(parts[0]), counts.indices.contains(index),
                  let weight = Double(parts[1]), weight.isFinite, weight >= 0 else { return nil }
            counts[index] += weight
        }
    }
}
