import TradingCore

/// A forecast horizon such as 5m, 1h, 4h or 24h: a duration that must be a whole number of bars.
public struct Horizon: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The duration in milliseconds.
    public let milliseconds: Int64
    /// The text it was given as.
    public let label: String

    /// The default horizons.
    public static let defaults: [Horizon] = ["5m", "1h", "4h", "24h"].map { Horizon(parsing: $0)! }

    /// Parses `<n>m`, `<n>h` or `<n>d`.
    public init?(parsing text: String) {
        guard let unit = text.last, let amount = Int64(text.dropLast()), amount > 0, amount <= 100_000 else { return nil }
        let minute: Int64 = 60_000
        switch unit {
        case "m": milliseconds = amount * minute
        case "h": milliseconds = amount * 60 * minute
        case "d": milliseconds = amount * 1440 * minute
        default: return nil
        }
        label = text
    }

    /// `bars` bars of a timeframe, labelled in the largest whole unit (`5d`, `4h`, `90m`); nil when too long.
    public init?(bars: Int, of timeframe: Timeframe) {
        let minutes = Int64(bars) * timeframe.milliseconds / 60_000
        let text = minutes % 1440 == 0 ? "\(minutes / 1440)d" : minutes % 60 == 0 ? "\(minutes / 60)h" : "\(minutes)m"
        self.init(parsing: text)
    }

    /// The horizon in bars of a timeframe; an error when finer than a bar or not a whole multiple.
    public func bars(of timeframe: Timeframe) throws(PredictionError) -> Int {
        guard milliseconds >= timeframe.milliseconds else {
            throw .invalidHorizon("\(label) is finer than the data's \(timeframe.rawValue) bars; use a horizon of at least \(timeframe.rawValue)")
        }
        guard milliseconds % timeframe.milliseconds == 0 else {
            throw .invalidHorizon("\(label) is not a whole number of \(timeframe.rawValue) bars")
        }
        return Int(milliseconds / timeframe.milliseconds)
    }

    public static func < (lhs: Horizon, rhs: Horizon) -> Bool { lhs.milliseconds < rhs.milliseconds }
    public var description: String { label }
}
