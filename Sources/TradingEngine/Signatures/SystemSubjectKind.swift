/// What a system signature is of.
public enum SystemSubjectKind: String, Sendable, Hashable, CaseIterable, Comparable {
    /// An API route (`GET /api/v1/portfolio`): its answers, 5xx failing.
    case route
    /// A job kind (`backtest`): its runs, a thrown error failing.
    case job
    /// A venue endpoint (`binance GET /api/v3/order`): its requests, no answer, 5xx, 429 and 418 failing.
    case venue

    public static func < (lhs: SystemSubjectKind, rhs: SystemSubjectKind) -> Bool { lhs.rawValue < rhs.rawValue }
}
