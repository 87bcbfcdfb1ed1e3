/// Weights of equity per symbol, the cash left over, and the figures users compare: what an
/// objective or a strategy produced.
public struct AllocationOutcome: Sendable {
    /// The symbols, in price-history order.
    public let symbols: [String]
    /// Weights of equity per symbol (solver noise below 1e-12 set to 0).
    public let weights: [Double]
    /// The weight left in cash (strategies only; 0 for a plain objective).
    public let cashWeight: Double
    /// The objective that produced the weights, as the CLI names it.
    public let objective: String
    /// Expected annual return μᵀw (for strategies, cash earns the risk-free rate).
    public let expectedReturn: Double
    /// Annual volatility √(wᵀΣw) of the whole portfolio.
    public let volatility: Double
    /// (expected return − rf) / volatility.
    public let sharpe: Double
    /// Notes on the strategy, tilts, caps and cash.
    public let notes: [String]
}
