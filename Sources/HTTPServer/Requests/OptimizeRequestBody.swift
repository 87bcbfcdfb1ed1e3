import PortfolioOptimizer

/// The body of `POST /api/v1/portfolio/optimize` besides its prices: snake_case members, names as
/// strings, read into the optimiser's typed `OptimizationSpecification`.
struct OptimizeRequestBody: Decodable {
    /// A group's bounds as the body writes them.
    struct Group: Decodable {
        let name: String
        let symbols: [String]
        let min: Double?
        let max: Double?

        private enum CodingKeys: String, CodingKey, CaseIterable {
            case name, symbols, min, max
        }

        init(from decoder: any Decoder) throws {
            try decoder.refuseMembers(except: Set(CodingKeys.allCases.map(\.rawValue)))
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            symbols = try container.decode([String].self, forKey: .symbols)
            min = try container.decodeIfPresent(Double.self, forKey: .min)
            max = try container.decodeIfPresent(Double.self, forKey: .max)
        }
    }

    let objective: String?
    let strategy: String?
    let riskLevel: String?
    let regime: String?
    let targetReturn: Double?
    let targetVolatility: Double?
    let riskAversion: Double?
    let riskFreeRate: Double?
    let returns: String?
    let covariance: String?
    let minWeight: Double?
    let maxWeight: Double?
    let l2Gamma: Double?
    let frequency: Double?
    let groups: [Group]?
    let currentWeights: [String: Double]?
    let turnoverCost: Double?
    let riskBudgets: [String: Double]?

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case objective, strategy, riskLevel = "risk_level", regime, targetReturn = "target_return"
        case targetVolatility = "target_volatility", riskAversion = "risk_aversion", riskFreeRate = "risk_free_rate"
        case returns, covariance, minWeight = "min_weight", maxWeight = "max_weight", l2Gamma = "l2_gamma", frequency, groups
        case currentWeights = "current_weights", turnoverCost = "turnover_cost", riskBudgets = "risk_budgets"
    }

    /// The members a body may carry besides the prices.
    static let keys = Set(CodingKeys.allCases.map(\.rawValue))

    /// The typed specification; exactly one of objective and strategy must be given.
    func specification() throws(RequestFieldError) -> OptimizationSpecification {
        let allocation: OptimizationSpecification.Allocation
        switch (objective, strategy) {
        case (let objective?, nil): allocation = .objective(try RequestFieldError.parse(objective, field: "objective", as: PortfolioObjective.Name.self))
        case (nil, let strategy?): allocation = .strategy(try RequestFieldError.parse(strategy, field: "strategy", as: AllocationStrategy.self))
        default:
            throw RequestFieldError("objective", "give exactly one of objective (\(PortfolioObjective.Name.allCases.map(\.rawValue).joined(separator: ", "))) and strategy")
        }
        var specification = OptimizationSpecification(allocation)
        if let riskLevel { specification.riskLevel = try RequestFieldError.parse(riskLevel, field: "risk_level", as: RiskLevel.self) }
        if let regime { specification.regime = try RequestFieldError.parse(regime, field: "regime", as: MarketRegime.self) }
        if let returns { specification.returns = try RequestFieldError.parse(returns, field: "returns", as: ExpectedReturns.MethodName.self) }
        if let covariance { specification.covariance = try RequestFieldError.parse(covariance, field: "covariance", as: CovarianceEstimator.MethodName.self) }
        specification.targetReturn = targetReturn
        specification.targetVolatility = targetVolatility
        specification.riskAversion = riskAversion ?? specification.riskAversion
        specification.riskFreeRate = riskFreeRate ?? specification.riskFreeRate
        specification.minWeight = minWeight ?? specification.minWeight
        specification.maxWeight = maxWeight ?? specification.maxWeight
        specification.l2Gamma = l2Gamma ?? specification.l2Gamma
        specification.frequency = frequency ?? specification.frequency
        specification.groups = (groups ?? []).map { OptimizationSpecification.Group(name: $0.name, symbols: $0.symbols, min: $0.min, max: $0.max) }
        specification.currentWeights = currentWeights
        specification.turnoverCost = turnoverCost
        specification.riskBudgets = riskBudgets
        return specification
    }
}
