/// What an API key may do. Each role includes the ones below it.
public enum APIKeyRole: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Reads data and status.
    case viewer
    /// Also places orders and halts or resumes trading.
    case trader
    /// Also manages keys and configuration.
    case admin

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .trader: 1
        case .admin: 2
        }
    }

    public static func < (lhs: APIKeyRole, rhs: APIKeyRole) -> Bool { lhs.rank < rhs.rank }

    /// Whether this role may do what `required` may.
    public func satisfies(_ required: APIKeyRole) -> Bool { self >= required }
}
