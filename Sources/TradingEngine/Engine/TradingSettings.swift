import PortfolioOptimizer
import TradingCore

/// How the session trades.
public struct TradingSettings: Sendable {
    public var cash: FixedDecimal
    public var venue: SimulatedVenue
    public var limits: RiskLimits
    public var rebalancer: Rebalancer
    public var decisionInterval: Int
    /// Prefix of client order ids (ids are `<prefix>-<n>`, so a restarted run never reuses one).
    public var orderPrefix: String

    /// Creates settings.
    public init(cash: FixedDecimal, venue: SimulatedVenue = SimulatedVenue(), limits: RiskLimits = RiskLimits(),
                rebalancer: Rebalancer = Rebalancer(), decisionInterval: Int = 1, orderPrefix: String = "bt") {
        self.cash = cash
        self.venue = venue
        self.limits = limits
        self.rebalancer = rebalancer
        self.decisionInterval = decisionInterval
        self.orderPrefix = orderPrefix
    }
}

