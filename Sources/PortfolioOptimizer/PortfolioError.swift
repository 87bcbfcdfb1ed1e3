/// Why a portfolio cannot be estimated or optimised, with what would be feasible where that is known.
public enum PortfolioError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer than two assets, or fewer than the observations an estimate needs.
    case insufficientData(String)
    /// A price is missing inside the window.
    case missingPrice(symbol: String, date: String)
    /// A price is not finite or not positive.
    case invalidPrice(symbol: String, date: String, value: Double)
    /// A series never changes, so it has no risk to estimate.
    case constantSeries(symbol: String)
    /// The weight bounds cannot add up to the required total.
    case infeasibleBounds(requiredTotal: Double, lowestTotal: Double, highestTotal: Double)
    /// A group's bounds cannot be met by its members' weight bounds.
    case infeasibleGroup(name: String, minimum: Double, maximum: Double, lowestTotal: Double, highestTotal: Double)
    /// A target return outside what the constraints allow.
    case targetReturnUnreachable(target: Double, lowest: Double, highest: Double)
    /// A target volatility outside what the constraints allow.
    case targetVolatilityUnreachable(target: Double, lowest: Double, highest: Double)
    /// Max Sharpe needs a portfolio the constraints allow whose expected return beats the risk-free
    /// rate (`bestExpectedReturn`: the best they allow).
    case noAssetBeatsRiskFreeRate(riskFreeRate: Double, bestExpectedReturn: Double)
    /// A parameter is out of range.
    case invalidParameter(String)
    /// The solver did not reach the tolerance.
    case solverFailed(String)

    public var description: String {
        switch self {
        case .insufficientData(let detail): "not enough data: \(detail)"
        case .missingPrice(let symbol, let date): "\(symbol) has no price on \(date)"
        case .invalidPrice(let symbol, let date, let value): "\(symbol) on \(date): price \(value) is not a positive finite number"
        case .constantSeries(let symbol): "\(symbol) never changes price in the window, so its risk cannot be estimated"
        case .infeasibleBounds(let required, let lowest, let highest):
            "the weight bounds cannot sum to \(required): they allow totals from \(lowest) to \(highest)"
        case .infeasibleGroup(let name, let minimum, let maximum, let lowest, let highest):
            "group \(name) must total between \(minimum) and \(maximum), but its members' bounds allow totals from \(lowest) to \(highest)"
        case .targetReturnUnreachable(let target, let lowest, let highest):
            "target return \(target) is unreachable: with these constraints returns range from \(lowest) to \(highest)"
        case .targetVolatilityUnreachable(let target, let lowest, let highest):
            "target volatility \(target) is unreachable: with these constraints the efficient frontier's volatility ranges from \(lowest) to \(highest)"
        case .noAssetBeatsRiskFreeRate(let rate, let best):
            "max Sharpe needs a portfolio the constraints allow whose expected return beats the risk-free rate \(rate); the best is \(best)"
        case .invalidParameter(let detail): "invalid parameter: \(detail)"
        case .solverFailed(let detail): "the optimiser failed: \(detail)"
        }
    }
}
