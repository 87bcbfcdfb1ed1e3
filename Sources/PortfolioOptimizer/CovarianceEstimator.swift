import QuantMath

/// Annualised covariance matrices of asset returns, with PyPortfolioOpt's conventions.
public enum CovarianceEstimator {
    /// The methods requests and flags name, each with its default parameters.
    public enum MethodName: String, Sendable, CaseIterable {
        case sample
        case ledoitWolf = "ledoit-wolf"
        case exponential
        case semicovariance

        /// The method with its default parameters (span 180; benchmark 0.000079 ≈ 2 %/252).
        public var method: Method {
            switch self {
            case .sample: .sample
            case .ledoitWolf: .ledoitWolf
            case .exponential: .exponential(span: 180)
            case .semicovariance: .semicovariance(benchmark: 0.000079)
            }
        }
    }

    /// How to estimate them.
    public enum Method: Sendable, Hashable {
        /// Sample covariance (ddof 1) × frequency (`sample_cov`).
        case sample
        /// Exponentially weighted covariance: for each pair, the pandas `adjust=True` EWM mean of
        /// (xₜ − x̄)(yₜ − ȳ) with the full-window means, × frequency (`exp_cov`, default span 180).
        case exponential(span: Double)
        /// Semicovariance below a per-period benchmark: dᵢₜ = min(rᵢₜ − b, 0), Σ = DᵀD / T × frequency
        /// (`semicovariance`, default benchmark 0.000079 ≈ 2%/252).
        case semicovariance(benchmark: Double)
        /// Ledoit-Wolf shrinkage towards a constant-variance target μI (scikit-learn's
        /// `ledoit_wolf` on centred returns, population covariance) × frequency
        /// (`CovarianceShrinkage.ledoit_wolf("constant_variance")`).
        case ledoitWolf
    }

    /// The annualised covariance matrix.
    public static func estimate(_ returns: [[Double]], method: Method, frequency: Double = 252) -> Matrix {
        let periods = returns.count
        let assets = returns.first?.count ?? 0
        switch method {
        case .sample, .exponential, .ledoitWolf:
            let means = (0..<assets).map { index in returns.reduce(0) { $0 + $1[index] } / Double(periods) }
            var centred = [Double](repeating: 0, count: periods * assets)
            for (row, values) in returns.enumerated() {
                for column in 0..<assets { centred[row * assets + column] = values[column] - means[column] }
            }
            switch method {
            case .sample:
                return weightedGram(centred, periods: periods, assets: assets, weights: nil, scale: frequency / Double(periods - 1))
            case .exponential(let span):
                let decay = 1 - 2 / (span + 1)
                var weights = [Double](repeating: 0, count: periods)
                var weight = 1.0
                for index in stride(from: periods - 1, through: 0, by: -1) {
                    weights[index] = weight
                    weight *= decay
                }
                let total = weights.reduce(0, +)
                return weightedGram(centred, periods: periods, assets: assets, weights: weights, scale: frequency / total)
            default:
                return frequency * ledoitWolf(centred, periods: periods, assets: assets)
            }
        case .semicovariance(let benchmark):
            var drops = [Double](repeating: 0, count: periods * assets)
            for (row, values) in returns.enumerated() {
                for column in 0..<assets { drops[row * assets + column] = min(values[column] - benchmark, 0) }
            }
            return weightedGram(drops, periods: periods, assets: assets, weights: nil, scale: frequency / Double(periods))
        }
    }

    /// scale · Σₜ wₜ xₜ xₜᵀ over the rows of a row-major T×N table (QuantMath's tiled Gram kernel).
    static func weightedGram(_ data: [Double], periods: Int, assets: Int, weights: [Double]?, scale: Double) -> Matrix {
        GramMatrix.compute(data, rows: periods, columns: assets, rowWeights: weights, scale: scale)
    }

    /// Ledoit & Wolf (2004), "A well-conditioned estimator for large-dimensional covariance
    /// matrices", as scikit-learn computes it (`sklearn.covariance.ledoit_wolf_shrinkage`), on
    /// already centred row-major data. Returns the shrunk per-period covariance.
    static func ledoitWolf(_ centred: [Double], periods: Int, assets: Int) -> Matrix {
        let samples = Double(periods)
        let empirical = weightedGram(centred, periods: periods, assets: assets, weights: nil, scale: 1 / samples)
        let squaresGram = weightedGram(centred.map { $0 * $0 }, periods: periods, assets: assets, weights: nil, scale: 1)
        let traceTerms = empirical.diagonalElements
        let mu = traceTerms.reduce(0, +) / Double(assets)
        // β̂ uses Σᵢⱼ Σₜ xᵢₜ² xⱼₜ² (every entry of the Gram matrix of squares) and δ̂ uses Σᵢⱼ (XᵀX)ᵢⱼ² / n².
        let betaSum = squaresGram.elements.reduce(0, +)
        let deltaRaw = empirical.elements.reduce(0) { $0 + $1 * $1 }
        var beta = 1 / (Double(assets) * samples) * (betaSum / samples - deltaRaw)
        var delta = deltaRaw - 2 * mu * traceTerms.reduce(0, +) + Double(assets) * mu * mu
        delta /= Double(assets)
        beta = min(beta, delta)
        let shrinkage = beta == 0 ? 0 : beta / delta
        var shrunk = (1 - shrinkage) * empirical
        for index in 0..<assets { shrunk[index, index] += shrinkage * mu }
        return shrunk
    }
}
