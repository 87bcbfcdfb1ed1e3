import QuantMath

/// Annualised covariance matrices of asset returns, with PyPortfolioOpt's conventions.
public enum CovarianceEstimator {
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
        var result = Matrix(rows: assets, columns: assets)
        switch method {
        case .sample, .exponential, .ledoitWolf:
            let means = (0..<assets).map { index in returns.reduce(0) { $0 + $1[index] } / Double(periods) }
            let centred = returns.map { row in (0..<assets).map { row[$0] - means[$0] } }
            switch method {
            case .sample:
                fillSymmetric(&result) { i, j in
                    var sum = 0.0
                    for row in centred { sum += row[i] * row[j] }
                    return sum / Double(periods - 1) * frequency
                }
            case .exponential(let span):
                let decay = 1 - 2 / (span + 1)
                var weights = [Double](repeating: 0, count: periods)
                var weight = 1.0
                for index in stride(from: periods - 1, through: 0, by: -1) {
                    weights[index] = weight
                    weight *= decay
                }
                let total = weights.reduce(0, +)
                fillSymmetric(&result) { i, j in
                    var sum = 0.0
                    for (index, row) in centred.enumerated() { sum += weights[index] * row[i] * row[j] }
                    return sum / total * frequency
                }
            default:
                result = ledoitWolf(centred)
                result = frequency * result
            }
        case .semicovariance(let benchmark):
            let drops = returns.map { row in row.map { min($0 - benchmark, 0) } }
            fillSymmetric(&result) { i, j in
                var sum = 0.0
                for row in drops { sum += row[i] * row[j] }
                return sum / Double(periods) * frequency
            }
        }
        return result
    }

    private static func fillSymmetric(_ matrix: inout Matrix, _ entry: (Int, Int) -> Double) {
        for i in 0..<matrix.rows {
            for j in i..<matrix.columns {
                let value = entry(i, j)
                matrix[i, j] = value
                matrix[j, i] = value
            }
        }
    }

    /// Ledoit & Wolf (2004), "A well-conditioned estimator for large-dimensional covariance
    /// matrices", as scikit-learn computes it (`sklearn.covariance.ledoit_wolf_shrinkage`), on
    /// already centred data. Returns the shrunk per-period covariance.
    static func ledoitWolf(_ centred: [[Double]]) -> Matrix {
        let samples = Double(centred.count)
        let features = centred.first?.count ?? 0
        var empirical = Matrix(rows: features, columns: features)
        fillSymmetric(&empirical) { i, j in
            var sum = 0.0
            for row in centred { sum += row[i] * row[j] }
            return sum / samples
        }
        let traceTerms = (0..<features).map { empirical[$0, $0] }
        let mu = traceTerms.reduce(0, +) / Double(features)
        // β̂: Σ over pairs of Σₜ xᵢₜ² xⱼₜ² / n − (XᵀX)² / n², then scaled.
        var betaSum = 0.0
        var deltaSum = 0.0
        for i in 0..<features {
            for j in 0..<features {
                var squares = 0.0
                for row in centred { squares += row[i] * row[i] * row[j] * row[j] }
                betaSum += squares
                let product = empirical[i, j] * samples
                deltaSum += product * product
            }
        }
        let deltaRaw = deltaSum / (samples * samples)
        var beta = 1 / (Double(features) * samples) * (betaSum / samples - deltaRaw)
        var delta = deltaRaw - 2 * mu * traceTerms.reduce(0, +) + Double(features) * mu * mu
        delta /= Double(features)
        beta = min(beta, delta)
        let shrinkage = beta == 0 ? 0 : beta / delta
        var shrunk = (1 - shrinkage) * empirical
        for index in 0..<features { shrunk[index, index] += shrinkage * mu }
        return shrunk
    }
}
