import Foundation
import QuantMath

/// The population stability index of a feature: how far the distribution of recent values
/// (`actual`) has moved from a reference sample (`expected`).
///
/// Bins are the reference's deciles (interior edges `numpy.quantile(expected, k/bins)`, a value on
/// an edge going to the upper bin), proportions are floored at 10⁻⁴ so an empty bin stays finite,
/// and PSI = Σ (aₖ − eₖ) · ln(aₖ / eₖ). The usual reading: below 0.1 stable, 0.1–0.25 a moderate
/// shift, above 0.25 a major one. Checked against numpy on the same definition.
public enum PopulationStabilityIndex {
    /// The floor of a bin's proportion.
    public static let proportionFloor = 1e-4
    /// PSI above this is a major shift (the conventional reading).
    public static let majorShift = 0.25

    /// The index of `actual` against `expected` over `bins` reference-quantile bins.
    public static func index(expected: [Double], actual: [Double], bins: Int = 10) -> Double {
        precondition(bins >= 2 && !expected.isEmpty && !actual.isEmpty, "PSI needs two bins and two non-empty samples")
        let sorted = expected.sorted()
        let edges = (1..<bins).map { Statistics.quantile(sorted: sorted, Double($0) / Double(bins)) }
        let expectedShares = shares(expected, edges: edges, bins: bins)
        let actualShares = shares(actual, edges: edges, bins: bins)
        return zip(actualShares, expectedShares).reduce(0) { $0 + ($1.0 - $1.1) * log($1.0 / $1.1) }
    }

    /// Each bin's floored share of `values`; a value goes to the number of edges ≤ it.
    static func shares(_ values: [Double], edges: [Double], bins: Int) -> [Double] {
        var counts = [Int](repeating: 0, count: bins)
        for value in values {
            // searchsorted(side: right): the first edge strictly greater than the value.
            var low = 0, high = edges.count
            while low < high {
                let middle = (low + high) / 2
                if edges[middle] <= value { low = middle + 1 } else { high = middle }
            }
            counts[low] += 1
        }
        return counts.map { max(Double($0) / Double(values.count), proportionFloor) }
    }
}
