import Foundation

/// The market conditions a forecast was made in: regime (bull or bear) × volatility bucket ×
/// trend bucket, from closes up to the forecast's data time only.
///
/// Regime: the sign of the log return over the last `trendBars` bars. Trend: that return is larger
/// than one bar standard deviation × √trendBars (a move the noise alone rarely makes) → TREND,
/// else RANGE. Volatility: the standard deviation of the last 20 bar returns against the last
/// `longBars`: below 0.75× LOW, above 1.25× HIGH, else NORMAL.
public struct MarketSignature: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// BULL or BEAR.
    public let regime: String
    /// LOW, NORMAL or HIGH.
    public let volatility: String
    /// TREND or RANGE.
    public let trend: String

    /// Creates a signature.
    public init(regime: String, volatility: String, trend: String) {
        self.regime = regime
        self.volatility = volatility
        self.trend = trend
    }

    /// Bars of the trend window.
    public static let trendBars = 50
    /// Bars of the long volatility window.
    public static let longBars = 250
    /// The signature when history is too short to tell.
    public static let unknown = MarketSignature(regime: "UNKNOWN", volatility: "UNKNOWN", trend: "UNKNOWN")

    /// The signature of the newest closes (the last element is the data time's close).
    public init(closes: ArraySlice<Double>) {
        guard closes.count > Self.longBars else { self = .unknown; return }
        let end = closes.endIndex - 1
        var returns: [Double] = []
        returns.reserveCapacity(Self.longBars)
        for index in (end - Self.longBars + 1)...end { returns.append(log(closes[index] / closes[index - 1])) }
        let long = Self.deviation(returns[...]), short = Self.deviation(returns.suffix(20))
        let move = log(closes[end] / closes[end - Self.trendBars])
        regime = move > 0 ? "BULL" : "BEAR"
        trend = abs(move) > long * Double(Self.trendBars).squareRoot() ? "TREND" : "RANGE"
        volatility = short < 0.75 * long ? "LOW" : (short > 1.25 * long ? "HIGH" : "NORMAL")
    }

    static func deviation(_ values: ArraySlice<Double>) -> Double {
        let mean = values.reduce(0, +) / Double(values.count)
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(values.count - 1, 1))).squareRoot()
    }

    public var description: String { "\(regime)/\(volatility)/\(trend)" }

    public static func < (lhs: MarketSignature, rhs: MarketSignature) -> Bool { lhs.description < rhs.description }
}
