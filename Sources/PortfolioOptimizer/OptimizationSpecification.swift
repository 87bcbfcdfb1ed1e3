/// Everything an optimisation needs besides prices, typed: an objective or an allocation
/// strategy, the estimators and the constraints. The API's request body and the command line's
/// flags are read into it by the adapters.
public struct OptimizationSpecification: Sendable {
    /// What decides the weights.
    public enum Allocation: Sendable, Hashable {
        /// An optimiser objective on estimated returns and covariance.
        case objective(PortfolioObjective.Name)
        /// An allocation strategy at a risk level (cash included).
        case strategy(AllocationStrategy)
    }

    /// Bounds on a named group of symbols.
    public struct Group: Sendable, Hashable {
        /// The group's name.
        public var name: String
        /// Its member symbols.
        public var symbols: [String]
        /// The lowest total weight (none when nil).
        public var min: Double?
        /// The highest total weight (none when nil).
        public var max: Double?

        /// Creates a group.
        public init(name: String, symbols: [String], min: Double?, max: Double?) {
            self.name = name
            self.symbols = symbols
            self.min = min
            self.max = max
        }
    }

    /// The objective or the strategy.
    public var allocation: Allocation
    /// The strategy's risk level.
    public var riskLevel: RiskLevel = .medium
    /// The market regime, for TACTICAL.
    public var regime: MarketRegime?
    /// The target annual return of efficient-return.
    public var targetReturn: Double?
    /// The target annual volatility of efficient-risk.
    public var targetVolatility: Double?
    /// δ of max-utility.
    public var riskAversion: Double = 1
    /// The annual risk-free rate of max-sharpe and the reported Sharpe ratio.
    public var riskFreeRate: Double = 0.02
    /// How expected returns are estimated.
    public var returns: ExpectedReturns.MethodName = .cagr
    /// How the covariance is estimated.
    public var covariance: CovarianceEstimator.MethodName = .sample
    /// The lowest weight per asset (negative allows shorting).
    public var minWeight: Double = 0
    /// The highest weight per asset.
    public var maxWeight: Double = 1
    /// The L2 regularisation γ.
    public var l2Gamma: Double = 0
    /// Periods per year used to annualise.
    public var frequency: Double = 252
    /// Bounds on groups' total weights.
    public var groups: [Group] = []
    /// The weights held now, for the turnover penalty.
    public var currentWeights: [String: Double]?
    /// k in k·‖w − w₀‖₁; needs current weights.
    public var turnoverCost: Double?
    /// Risk budgets by symbol for risk parity (equal when nil).
    public var riskBudgets: [String: Double]?

    /// A specification with every default.
    public init(_ allocation: Allocation) {
        self.allocation = allocation
    }

    /// Runs the specification on a price history.
    public func run(_ history: PriceHistory) throws(PortfolioError) -> AllocationOutcome {
        guard frequency >= 1, frequency <= 1_000_000 else { throw .invalidParameter("frequency must be from 1 to 1,000,000 periods a year, got \(frequency)") }
        switch allocation {
        case .strategy(let strategy):
            return try StrategyAllocator(history: history, frequency: frequency, riskFreeRate: riskFreeRate)
                .allocate(strategy, riskLevel: riskLevel, regime: regime)
        case .objective(let name):
            let simple = history.simpleReturns
            let optimizer = try PortfolioOptimizer(
                expectedReturns: ExpectedReturns.estimate(simple, method: returns.method, frequency: frequency),
                covariance: CovarianceEstimator.estimate(simple, method: covariance.method, frequency: frequency))
            let result = try optimizer.optimize(try portfolioObjective(name, symbols: history.symbols),
                                                constraints: try constraints(symbols: history.symbols), riskFreeRate: riskFreeRate)
            return AllocationOutcome(symbols: history.symbols, weights: result.weights.map { abs($0) < 1e-12 ? 0 : $0 }, cashWeight: 0,
                                     objective: name.rawValue, expectedReturn: result.expectedReturn, volatility: result.volatility,
                                     sharpe: result.sharpe, notes: [])
        }
    }

    private func portfolioObjective(_ name: PortfolioObjective.Name, symbols: [String]) throws(PortfolioError) -> PortfolioObjective {
        switch name {
        case .maximumSharpe: return .maximumSharpe(riskFreeRate: riskFreeRate)
        case .minimumVolatility: return .minimumVolatility
        case .efficientReturn:
            guard let targetReturn else { throw .invalidParameter("efficient-return needs target_return (--target-return)") }
            return .efficientReturn(targetReturn: targetReturn)
        case .efficientRisk:
            guard let targetVolatility else { throw .invalidParameter("efficient-risk needs target_volatility (--target-volatility)") }
            return .efficientRisk(targetVolatility: targetVolatility)
        case .maximumUtility: return .maximumQuadraticUtility(riskAversion: riskAversion)
        case .riskParity: return .riskParity(budgets: try riskBudgets.map { budgets throws(PortfolioError) in try perSymbol(budgets, symbols: symbols, name: "risk_budgets") })
        case .hierarchicalRiskParity: return .hierarchicalRiskParity
        }
    }

    private func constraints(symbols: [String]) throws(PortfolioError) -> PortfolioConstraints {
        var constraints = PortfolioConstraints(assetCount: symbols.count, minimumWeight: minWeight, maximumWeight: maxWeight, l2Gamma: l2Gamma)
        for group in groups {
            var members: [Int] = []
            for symbol in group.symbols {
                guard let index = symbols.firstIndex(of: symbol) else { throw .invalidParameter("group \(group.name) names \(symbol), which is not among the prices") }
                members.append(index)
            }
            constraints.groups.append(GroupBound(name: group.name, members: members, minimum: group.min ?? -.infinity, maximum: group.max ?? .infinity))
        }
        if let turnoverCost {
            guard let currentWeights else { throw .invalidParameter("turnover_cost needs current_weights") }
            constraints.turnover = TurnoverPenalty(currentWeights: try perSymbol(currentWeights, symbols: symbols, name: "current_weights", missing: 0),
                                                   cost: turnoverCost)
        }
        // Risk parity and HRP take no bounds; the defaults are their fixed long-only constraints.
        return constraints
    }

    /// A per-symbol map as a vector in `symbols` order; unknown symbols are an error.
    private func perSymbol(_ values: [String: Double], symbols: [String], name: String, missing: Double? = nil) throws(PortfolioError) -> [Double] {
        if let unknown = values.keys.sorted().first(where: { !symbols.contains($0) }) {
            throw .invalidParameter("\(name) names \(unknown), which is not among the prices")
        }
        var vector: [Double] = []
        for symbol in symbols {
            guard let value = values[symbol] ?? missing else { throw .invalidParameter("\(name) has no value for \(symbol)") }
            vector.append(value)
        }
        return vector
    }
}
