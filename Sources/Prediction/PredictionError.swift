/// Why a forecast, fit or evaluation cannot be made, in words a user can act on.
public enum PredictionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer bars or returns than a window or a fit needs.
    case insufficientData(needed: Int, available: Int, purpose: String)
    /// A horizon that is not a whole number of bars, or finer than the data.
    case invalidHorizon(String)
    /// Bars out of order, duplicated, or with a gap the model cannot bridge.
    case invalidBars(String)
    /// A series without variation (constant prices).
    case constantSeries(String)
    /// An optimiser did not converge.
    case notConverged(String)
    /// A parameter out of range.
    case invalidParameter(String)

    public var description: String {
        switch self {
        case .insufficientData(let needed, let available, let purpose): "\(purpose) needs at least \(needed) values, got \(available)"
        case .invalidHorizon(let detail): "invalid horizon: \(detail)"
        case .invalidBars(let detail): "invalid bars: \(detail)"
        case .constantSeries(let detail): "constant series: \(detail)"
        case .notConverged(let detail): "did not converge: \(detail)"
        case .invalidParameter(let detail): "invalid parameter: \(detail)"
        }
    }
}
