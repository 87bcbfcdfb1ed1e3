/// Everything an optimisation needs besides prices: the request body of
/// `POST /api/v1/portfolio/optimize` and the flags of `orchestrator optimize`, with the same names
/// (snake_case in JSON) and defaults. Either `objective` or `strategy` is given.
public struct OptimizationSpecification: Sendable, Decodable {
    /// Bounds on a named group of symbols.
    public struct Group: Sendable, Decodable {
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

    /// The objectives by name, in documentation order.
    public static let objectives = ["max-sharpe", "min-volatility", "efficient-return", "efficient-risk", "max-utility", "risk-parity", "hrp"]

    public var objective: String?
    public var strategy: String?
    public var riskLevel: String?
    public var regime: String?
    public var targetReturn: Double?
    public var targetVolatility: Double?
    public var riskAversion: Double = 1
    public var riskFreeRate: Double = 0.02
    public var returns: String = "cagr"
    public var covariance: String = "sample"
    public var minWeight: Double = 0
    public var maxWeight: Double = 1
    public var l2Gamma: Double = 0
    public var frequency: Double = 252
    public var groups: [Group] = []
    public var currentWeights: [String: Double]?
    public var turnoverCost: Double?
    public var riskBudgets: [String: Double]?

    /// A specification with an objective and every default.
    public init(objective: String? = nil, strategy: String? = nil) {
        self.objective = objective
        self.strategy = strategy
    }

    private enum CodingKeys: String, CodingKey {
        case objective, strategy, riskLevel = "risk_level", regime, targetReturn = "target_return"
        case targetVolatility = "target_volatility", riskAversion = "risk_aversion", riskFreeRate = "risk_free_rate"
        case returns, covariance, minWeight = "min_weight", maxWeight = "max_weight", l2Gamma = "l2_gamma", frequency, groups
        case currentWeights = "current_weights", turnoverCost = "turnover_cost", riskBudgets = "risk_budgets"
    }

    /// The JSON keys a request body may carry besides the prices.
    public static let keys: Set<String> = ["objective", "strategy", "risk_level", "regime", "target_return", "target_volatility",
                                           "risk_aversion", "risk_free_rate", "returns", "covariance", "min_weight", "max_weight",
                                           "l2_gamma", "frequency", "groups", "current_weights", "turnover_cost", "risk_budgets"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        objective = try container.decodeIfPresent(String.self, forKey: .objective)
        strategy = try container.decodeIfPresent(String.self, forKey: .strategy)
        riskLevel = try container.decodeIfPresent(String.self, forKey: .riskLevel)
        regime = try container.decodeIfPresent(String.self, forKey: .regime)
        targetReturn = try container.decodeIfPresent(Double.self, forKey: .targetReturn)
        targetVolatility = try container.decodeIfPresent(Double.self, forKey: .targetVolatility)
        riskAversion = try container.decodeIfPresent(Double.self, forKey: .riskAversion) ?? riskAversion
        riskFreeRate = try container.decodeIfPresent(Double.self, forKey: .riskFreeRate) ?? riskFreeRate
        returns = try container.decodeIfPresent(String.self, forKey: .returns) ?? returns
        covariance = try container.decodeIfPresent(String.self, forKey: .covariance) ?? covariance
        minWeight = try container.decodeIfPresent(Double.self, forKey: .minWeight) ?? minWeight
        maxWeight = try container.decodeIfPresent(Double.self, forKey: .maxWeight) ?? maxWeight
        l2Gamma = try container.decodeIfPresent(Double.self, forKey: .l2Gamma) ?? l2Gamma
        frequency = try container.decodeIfPresent(Double.self, forKey: .frequency) ?? frequency
        groups = try container.decodeIfPresent([Group].self, forKey: .groups) ?? []
        currentWeights = try container.decodeIfPresent([String: Double].self, forKey: .currentWeights)
        turnoverCost = try container.decodeIfPresent(Double.self, forKey: .turnoverCost)
        riskBudgets = try container.decodeIfPresent([String: Double].self, forKey: .riskBudgets)
    }

    /// Runs the specification on a price history.
    public func run(_ history: PriceHistory) throws(PortfolioError) -> AllocationOutcome {
        guard frequency >= 1, frequency <= 1_000_000 else { throw .invalidParameter("frequency must be from 1 to 1,000,000 periods a year, got \(frequency)") }
        if let strategyName = strategy {
            guard objective == nil else { throw .invalidParameter("give either objective or strategy, not both") }
            guard let strategy = AllocationStrategy(rawValue: strategyName.uppercased()) else {
                throw .invalidParameter("strategy must be one of \(AllocationStrategy.allCases.map(\.rawValue).joined(separator: ", ")), got \(strategyName)")
            }
            let levelName = riskLevel ?? RiskLevel.medium.rawValue
            guard let level = RiskLevel(rawValue: levelName.uppercased()) else {
                throw .invalidParameter("risk_level must be one of \(RiskLevel.allCases.map(\.rawValue).joined(separator: ", ")), got \(levelName)")
            }
            var marketRegime: MarketRegime?
            if let regime {
                guard let parsed = MarketRegime(rawValue: regime.uppercased()) else {
                    throw .invalidParameter("regime must be one of \(MarketRegime.allCases.map(\.rawValue).joined(separator: ", ")), got \(regime)")
                }
                marketRegime = parsed
            }
            return try StrategyAllocator(history: history, frequency: frequency, riskFreeRate: riskFreeRate)
                .allocate(strategy, riskLevel: level, regime: marketRegime)
        }
        guard let objectiveName = objective else { throw .invalidParameter("give an objective (\(Self.objectives.joined(separator: ", "))) or a strategy") }
        let simple = history.simpleReturns
        let optimizer = try PortfolioOptimizer(
            expectedReturns: ExpectedReturns.estimate(simple, method: try returnsMethod(), frequency: frequency),
            covariance: CovarianceEstimator.estimate(simple, method: try covarianceMethod(), frequency: frequency))
        let result = try optimizer.optimize(try portfolioObjective(objectiveName, symbols: history.symbols),
                                            constraints: try constraints(symbols: history.symbols), riskFreeRate: riskFreeRate)
        return AllocationOutcome(symbols: history.symbols, weights: result.weights.map { abs($0) < 1e-12 ? 0 : $0 }, cashWeight: 0,
                       objective: objectiveName, expectedReturn: result.expectedReturn, volatility: result.volatility,
                       sharpe: result.sharpe, notes: [])
    }

    private func returnsMethod() throws(PortfolioError) -> ExpectedReturns.Method {
        switch returns {
        case "cagr": .cagr
        case "mean": .arithmeticMean
        case "ema": .exponentiallyWeighted(span: 500)
        default: throw .invalidParameter("returns must be cagr, mean or ema, got \(returns)")
        }
    }

    private func covarianceMethod() throws(PortfolioError) -> CovarianceEstimator.Method {
        switch covariance {
        case "sample": .sample
        case "ledoit-wolf": .ledoitWolf
        case "exponential": .exponential(span: 180)
        case "semicovariance": .semicovariance(benchmark: 0.000079)
        default: throw .invalidParameter("covariance must be sample, ledoit-wolf, exponential or semicovariance, got \(covariance)")
        }
    }

    private func portfolioObjective(_ name: String, symbols: [String]) throws(PortfolioError) -> PortfolioObjective {
        switch name {
        case "max-sharpe": return .maximumSharpe(riskFreeRate: riskFreeRate)
        case "min-volatility": return .minimumVolatility
        case "efficient-return":
            guard let targetReturn else { throw .invalidParameter("efficient-return needs target_return (--target-return)") }
            return .efficientReturn(targetReturn: targetReturn)
        case "efficient-risk":
            guard let targetVolatility else { throw .invalidParameter("efficient-risk needs target_volatility (--target-volatility)") }
            return .efficientRisk(targetVolatility: targetVolatility)
        case "max-utility": return .maximumQuadraticUtility(riskAversion: riskAversion)
        case "risk-parity": return .riskParity(budgets: try riskBudgets.map { budgets throws(PortfolioError) in try perSymbol(budgets, symbols: symbols, name: "risk_budgets") })
        case "hrp": return .hierarchicalRiskParity
        default: throw .invalidParameter("objective must be one of \(Self.objectives.joined(separator: ", ")), got \(name)")
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
