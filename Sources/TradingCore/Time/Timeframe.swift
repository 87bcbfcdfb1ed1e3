/// The length of one bar, such as five minutes or one day.
public enum Timeframe: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case oneMinute = "1m"
    case threeMinutes = "3m"
    case fiveMinutes = "5m"
    case fifteenMinutes = "15m"
    case thirtyMinutes = "30m"
    case oneHour = "1h"
    case twoHours = "2h"
    case fourHours = "4h"
    case sixHours = "6h"
    case twelveHours = "12h"
    case oneDay = "1d"
    case oneWeek = "1w"

    /// The bar length in milliseconds.
    public var milliseconds: Int64 {
        let minute: Int64 = 60_000
        switch self {
        case .oneMinute: return minute
        case .threeMinutes: return 3 * minute
        case .fiveMinutes: return 5 * minute
        case .fifteenMinutes: return 15 * minute
        case .thirtyMinutes: return 30 * minute
        case .oneHour: return 60 * minute
        case .twoHours: return 120 * minute
        case .fourHours: return 240 * minute
        case .sixHours: return 360 * minute
        case .twelveHours: return 720 * minute
        case .oneDay: return 1440 * minute
        case .oneWeek: return 10080 * minute
        }
    }

    /// The codes users type, such as `1m, 5m, 1h, 1d`, in order of length.
    public static var codes: [String] { allCases.map(\.rawValue) }

    public static func < (lhs: Timeframe, rhs: Timeframe) -> Bool { lhs.milliseconds < rhs.milliseconds }
}
