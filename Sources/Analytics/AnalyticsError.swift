/// Why metrics cannot be computed from a return series.
public enum AnalyticsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer returns than the metrics need.
    case insufficientData(count: Int, needed: Int)
    /// A return that is NaN or infinite, or below −100 %.
    case invalidReturn(series: String, index: Int, value: Double)
    /// A price that is not a positive finite number.
    case invalidPrice(series: String, at: String, value: Double)
    /// The benchmark does not have one return per portfolio return.
    case benchmarkLengthMismatch(returns: Int, benchmark: Int)
    /// A parameter is out of range.
    case invalidParameter(String)

    public var description: String {
        switch self {
        case .insufficientData(let count, let needed): "metrics need at least \(needed) returns, got \(count)"
        case .invalidReturn(let series, let index, let value):
            "\(series) return \(index) is \(value): returns must be finite and at least -1"
        case .invalidPrice(let series, let at, let value): "\(series) on \(at): price \(value) is not a positive finite number"
        case .benchmarkLengthMismatch(let returns, let benchmark):
            "the benchmark has \(benchmark) returns for \(returns) portfolio returns; align them on the same dates"
        case .invalidParameter(let detail): "invalid parameter: \(detail)"
        }
    }
}
