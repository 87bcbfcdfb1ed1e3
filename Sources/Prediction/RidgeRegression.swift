import QuantMath

/// Ridge regression with an unpenalised intercept, as scikit-learn's `Ridge(alpha, fit_intercept=True)`:
/// minimise ‖y − Xw − b‖² + α‖w‖². Solved in closed form on centred data:
/// w = (XcᵀXc + αI)⁻¹ Xcᵀyc, b = ȳ − x̄ᵀw (Cholesky; the matrix is positive definite for α > 0).
public struct RidgeRegression: Sendable, Codable, Hashable {
    /// The coefficients w.
    public let coefficients: [Double]
    /// The intercept b.
    public let intercept: Double

    /// Fits on rows X and targets y.
    public init(rows: [[Double]], targets: [Double], alpha: Double) throws(PredictionError) {
        guard alpha > 0, alpha.isFinite else { throw .invalidParameter("ridge alpha must be positive, got \(alpha)") }
        guard rows.count == targets.count, let width = rows.first?.count, rows.count > 1 else {
            throw .insufficientData(needed: 2, available: rows.count, purpose: "a ridge regression")
        }
        let count = Double(rows.count)
        let columnMeans = (0..<width).map { column in rows.reduce(0) { $0 + $1[column] } / count }
        let targetMean = targets.reduce(0, +) / count
        var gram = Matrix(rows: width, columns: width)
        var moment = [Double](repeating: 0, count: width)
        for (row, target) in zip(rows, targets) {
            let centred = (0..<width).map { row[$0] - columnMeans[$0] }
            let response = target - targetMean
            for i in 0..<width {
                moment[i] += centred[i] * response
                for j in i..<width { gram[i, j] += centred[i] * centred[j] }
            }
        }
        for i in 0..<width {
            gram[i, i] += alpha
            for j in 0..<i { gram[i, j] = gram[j, i] }
        }
        let solution: [Double]
        do {
            solution = try CholeskyDecomposition(gram).solve(moment)
        } catch {
            throw .notConverged("the ridge normal equations are not positive definite: \(error)")
        }
        coefficients = solution
        intercept = targetMean - Vector.dot(columnMeans, solution)
    }

    /// The prediction for one row.
    public func predict(_ row: [Double]) -> Double {
        Vector.dot(coefficients, row) + intercept
    }
}
