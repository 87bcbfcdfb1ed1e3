/// The user-facing allocation strategies; each maps to an objective and tilts (docs/portfolio.md).
public enum AllocationStrategy: String, Sendable, CaseIterable {
    /// Minimum volatility.
    case conservative = "CONSERVATIVE"
    /// Equal risk contribution.
    case balanced = "BALANCED"
    /// Maximum Sharpe ratio.
    case aggressive = "AGGRESSIVE"
    /// Chosen by the market regime: bull → AGGRESSIVE, bear → CONSERVATIVE with 20 points more cash,
    /// sideways → MEAN_REVERSION, volatile → BALANCED with the volatility cap halved.
    case tactical = "TACTICAL"
    /// Maximum Sharpe on 12-1 month momentum as expected returns.
    case momentum = "MOMENTUM"
    /// Maximum Sharpe on expected returns tilted against the last month's move.
    case meanReversion = "MEAN_REVERSION"
}

/// How much risk the user accepts: the constraints every strategy runs under.
public enum RiskLevel: String, Sendable, CaseIterable {
    case veryLow = "VERY_LOW"
    case low = "LOW"
    case medium = "MEDIUM"
    case high = "HIGH"
    case veryHigh = "VERY_HIGH"

    /// The largest weight of one asset, as a fraction of equity.
    public var maximumWeight: Double {
        switch self {
        case .veryLow: 0.15
        case .low: 0.20
        case .medium: 0.30
        case .high: 0.40
        case .veryHigh: 0.60
        }
    }

    /// The highest annual volatility of the whole portfolio (cash included); nil for no cap.
    public var volatilityCap: Double? {
        switch self {
        case .veryLow: 0.06
        case .low: 0.10
        case .medium: 0.15
        case .high: 0.25
        case .veryHigh: nil
        }
    }

    /// The smallest fraction of equity kept in cash.
    public var cashFloor: Double {
        switch self {
        case .veryLow: 0.40
        case .low: 0.25
        case .medium: 0.10
        case .high: 0.05
        case .veryHigh: 0
        }
    }
}

/// The market regime TACTICAL responds to (given by the caller: the API's `regime`, or
/// `StrategyRecommendation` from the prediction module's regimes).
public enum MarketRegime: String, Sendable, CaseIterable {
    case bull = "BULL"
    case bear = "BEAR"
    case sideways = "SIDEWAYS"
    case volatile = "VOLATILE"
}
