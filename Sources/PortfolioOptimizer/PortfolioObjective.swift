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

    /// The same bounds for every asset.
    public init(assetCount: Int, minimumWeight: Double = 0, maximumWeight: Double = 1, l2Gamma: Double = 0) {
        lowerBounds = [Double](repeating: minimumWeight, count: assetCount)
        upperBounds = [Double](repeating: maximumWeight, count: assetCount)
        self.l2Gamma = l2Gamma
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
