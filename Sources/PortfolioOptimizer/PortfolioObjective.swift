/// What the optimiser maximises or minimises.
public enum PortfolioObjective: Sendable, Hashable {
    /// Minimise variance wᵀΣw.
    case minimumVolatility
    /// Maximise (μᵀw − rf)/√(wᵀΣw), solved exactly as a QP through the Cornuejols-Tütüncü change of
    /// variables y = k·w (PyPortfolioOpt's formulation).
    case maximumSharpe(riskFreeRate: Double)
    /// Minimise variance subject to μᵀw ≥ target.
    case efficientReturn(targetReturn: Double)
    /// Maximise μᵀw subject to √(wᵀΣw) ≤ target.
    case efficientRisk(targetVolatility: Double)
    /// Maximise μᵀw − (δ/2) wᵀΣw.
    case maximumQuadraticUtility(riskAversion: Double)
    /// Risk budgeting: each asset's share of the variance equals its budget (equal risk
    /// contribution when `budgets` is nil). Long-only and fully invested; takes no bounds.
    case riskParity(budgets: [Double]?)
    /// Hierarchical risk parity with single linkage (PyPortfolioOpt's `HRPOpt`). Takes no bounds.
    case hierarchicalRiskParity

    /// Whether the objective is solved by the QP with the general constraints (bounds, groups,
    /// L2, turnover); the risk-parity family has its own algorithms and fixed constraints.
    public var honoursConstraints: Bool {
        switch self {
        case .riskParity, .hierarchicalRiskParity: false
        default: true
        }
    }
}

extension PortfolioObjective {
    /// The objectives as requests and flags name them, in documentation order; their parameters
    /// (target, risk aversion, budgets) come from the rest of the specification.
    public enum Name: String, Sendable, CaseIterable {
        case maximumSharpe = "max-sharpe"
        case minimumVolatility = "min-volatility"
        case efficientReturn = "efficient-return"
        case efficientRisk = "efficient-risk"
        case maximumUtility = "max-utility"
        case riskParity = "risk-parity"
        case hierarchicalRiskParity = "hrp"
    }
}

/// Bounds on the total weight of a group of assets (a sector, a region, an asset class).
public struct GroupBound: Sendable, Hashable {
    /// The group's name, used in messages.
    public var name: String
    /// Indices of the member assets.
    public var members: [Int]
    /// The lowest total weight of the members.
    public var minimum: Double
    /// The highest total weight of the members.
    public var maximum: Double

    /// Creates a group bound.
    public init(name: String, members: [Int], minimum: Double = -.infinity, maximum: Double = .infinity) {
        self.name = name
        self.members = members
        self.minimum = minimum
        self.maximum = maximum
    }
}

/// A proportional cost on turnover against current weights: k‖w − w₀‖₁ is added to the objective
/// (PyPortfolioOpt's `transaction_cost`), so the optimiser trades only where it pays.
public struct TurnoverPenalty: Sendable, Hashable {
    /// The current weights w₀.
    public var currentWeights: [Double]
    /// The cost per unit of turnover k (0.001 = 10 basis points).
    public var cost: Double

    /// Creates a turnover penalty.
    public init(currentWeights: [Double], cost: Double) {
        self.currentWeights = currentWeights
        self.cost = cost
    }
}

/// Constraints every objective honours.
public struct PortfolioConstraints: Sendable, Hashable {
    /// Per-asset lower weight bounds (negative allows shorting).
    public var lowerBounds: [Double]
    /// Per-asset upper weight bounds.
    public var upperBounds: [Double]
    /// L2 regularisation γ: adds γ‖w‖² to the objective (PyPortfolioOpt's `L2_reg`), spreading
    /// weight over more assets. Not applied to max Sharpe, where it would be scaled by k.
    public var l2Gamma: Double
    /// Bounds on the total weight of groups of assets.
    public var groups: [GroupBound]
    /// A cost on turnover against current weights (none by default).
    public var turnover: TurnoverPenalty?

    /// The same bounds for every asset.
    public init(assetCount: Int, minimumWeight: Double = 0, maximumWeight: Double = 1, l2Gamma: Double = 0,
                groups: [GroupBound] = [], turnover: TurnoverPenalty? = nil) {
        lowerBounds = [Double](repeating: minimumWeight, count: assetCount)
        upperBounds = [Double](repeating: maximumWeight, count: assetCount)
        self.l2Gamma = l2Gamma
        self.groups = groups
        self.turnover = turnover
    }

    /// Whether these are the plain long-only, fully invested constraints with nothing added.
    public var isPlainLongOnly: Bool {
        lowerBounds.allSatisfy { $0 == 0 } && upperBounds.allSatisfy { $0 >= 1 } && l2Gamma == 0 && groups.isEmpty && turnover == nil
    }
}

/// An optimised portfolio and its expected performance.
public struct PortfolioAllocation: Sendable {
    /// The weights, one per asset, summing to 1.
    public let weights: [Double]
    /// μᵀw.
    public let expectedReturn: Double
    /// √(wᵀΣw).
    public let volatility: Double
    /// (μᵀw − rf)/volatility with the risk-free rate given to the optimiser.
    public let sharpe: Double
    /// QP iterations used (summed over a bisection).
    public let iterations: Int
}
