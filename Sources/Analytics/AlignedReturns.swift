/// Simple returns of a price series and, optionally, of a benchmark on the same dates: only the
/// dates where both have a price are kept (an inner join), then rᵢ = pᵢ/pᵢ₋₁ − 1 over consecutive
/// kept dates. The same convention as scripts/reference/analytics.py.
public struct AlignedReturns<Key: Hashable & Comparable & Sendable>: Sendable {
    /// The date of each return (the later of its two prices).
    public let keys: [Key]
    /// The series' returns.
    public let returns: [Double]
    /// The benchmark's returns on the same dates, when a benchmark was given.
    public let benchmarkReturns: [Double]?

    /// Aligns prices keyed by date; `name` and `benchmarkName` label errors, `describe` prints a key.
    public init(prices: [(Key, Double)], name: String, benchmark: [(Key, Double)]? = nil, benchmarkName: String = "benchmark",
                describe: (Key) -> String) throws(AnalyticsError) {
        for (key, price) in prices where !(price > 0 && price.isFinite) {
            throw .invalidPrice(series: name, at: describe(key), value: price)
        }
        var kept = prices.sorted { $0.0 < $1.0 }
        var benchmarkPrices: [Double]? = nil
        if let benchmark {
            for (key, price) in benchmark where !(price > 0 && price.isFinite) {
                throw .invalidPrice(series: benchmarkName, at: describe(key), value: price)
            }
            let byKey = Dictionary(benchmark, uniquingKeysWith: { first, _ in first })
            kept = kept.filter { byKey[$0.0] != nil }
            benchmarkPrices = kept.map { byKey[$0.0]! }
        }
        guard kept.count > 1 else { throw .insufficientData(count: max(kept.count - 1, 0), needed: PerformanceAnalytics.minimumCount) }
        keys = kept.dropFirst().map(\.0)
        returns = PerformanceAnalytics.simpleReturns(prices: kept.map(\.1))
        benchmarkReturns = benchmarkPrices.map(PerformanceAnalytics.simpleReturns(prices:))
    }
}
