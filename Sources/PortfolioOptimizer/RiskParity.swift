import Foundation
import QuantMath

/// Risk budgeting: long-only, fully invested weights whose risk contributions
/// RCᵢ = wᵢ(Σw)ᵢ / wᵀΣw equal given budgets bᵢ (equal risk contribution when all bᵢ = 1/n).
///
/// Solved through the strictly convex problem of Spinu (2013), "An algorithm for computing risk
/// parity weights": minimise ½ yᵀΣy − Σ bᵢ log yᵢ over y > 0, whose unique minimiser has
/// yᵢ(Σy)ᵢ = bᵢ; then w = y / Σyᵢ. Damped Newton steps that keep y > 0 converge quadratically;
/// we stop when the largest relative error of the risk contributions is below `tolerance`.
public struct RiskParity: Sendable {
    /// The largest accepted |RCᵢ − bᵢ| / bᵢ.
    public var tolerance: Double
    /// The most Newton iterations.
    public var maximumIterations: Int

    /// Creates a solver.
    public init(tolerance: Double = 1e-10, maximumIterations: Int = 100) {
        self.tolerance = tolerance
        self.maximumIterations = maximumIterations
    }

    /// The weights whose risk contributions match `budgets` (default: equal), summing to 1.
    public func weights(covariance: Matrix, budgets: [Double]? = nil) throws(PortfolioError) -> (weights: [Double], iterations: Int) {
        let n = covariance.rows
        guard n >= 2, covariance.isSquare else { throw .insufficientData("risk parity needs at least two assets") }
        let budget = try normalisedBudgets(budgets, count: n)
        for index in 0..<n where !(covariance[index, index] > 0) {
            throw .invalidParameter("asset \(index) has variance \(covariance[index, index]); risk parity needs positive variances")
        }
        // Start from inverse-volatility weights scaled so that yᵀΣy = 1, close to the answer for most data.
        var y = (0..<n).map { budget[$0].squareRoot() / covariance[$0, $0].squareRoot() }
        let scale = covariance.quadraticForm(y).squareRoot()
        y = y.map { $0 / scale }
        for iteration in 1...maximumIterations {
            let sigmaY = covariance.multiplied(by: y)
            if contributionError(y: y, sigmaY: sigmaY, budgets: budget) <= tolerance {
                let total = y.reduce(0, +)
                return (y.map { $0 / total }, iteration - 1)
            }
            // Newton: (Σ + diag(b/y²)) Δ = −(Σy − b/y).
            var hessian = covariance
            var gradient = [Double](repeating: 0, count: n)
            for index in 0..<n {
                hessian[index, index] += budget[index] / (y[index] * y[index])
                gradient[index] = sigmaY[index] - budget[index] / y[index]
            }
            let step: [Double]
            do {
                step = try CholeskyDecomposition(hessian).solve(gradient.map { -$0 })
            } catch {
                throw .solverFailed("risk parity Newton system: \(error.description)")
            }
            // Keep every yᵢ positive (fraction to the boundary), then backtrack on the objective.
            var length = 1.0
            for index in 0..<n where step[index] < 0 { length = min(length, -0.95 * y[index] / step[index]) }
            let current = objective(y, covariance: covariance, budgets: budget)
            let slope = Vector.dot(gradient, step)
            // Near the optimum (Newton decrement below 1e-8) the full step is taken: objective
            // differences there are below rounding, so a backtracking test would stall.
            while length > 1e-12 && -slope > 1e-8 {
                let candidate = Vector.adding(y, step, scaledBy: length)
                if objective(candidate, covariance: covariance, budgets: budget) <= current + 1e-4 * length * slope { break }
                length /= 2
            }
            y = Vector.adding(y, step, scaledBy: length)
        }
        throw .solverFailed("risk parity did not reach a relative contribution error of \(tolerance) in \(maximumIterations) iterations")
    }

    /// Each asset's share of the portfolio variance, wᵢ(Σw)ᵢ / wᵀΣw (they sum to 1).
    public static func riskContributions(weights: [Double], covariance: Matrix) -> [Double] {
        let sigmaW = covariance.multiplied(by: weights)
        let variance = Vector.dot(weights, sigmaW)
        return weights.indices.map { weights[$0] * sigmaW[$0] / variance }
    }

    private func normalisedBudgets(_ budgets: [Double]?, count: Int) throws(PortfolioError) -> [Double] {
        guard let budgets else { return [Double](repeating: 1 / Double(count), count: count) }
        guard budgets.count == count else { throw .invalidParameter("risk budgets: \(budgets.count) given for \(count) assets") }
        guard budgets.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw .invalidParameter("risk budgets must be positive and finite") }
        let total = budgets.reduce(0, +)
        return budgets.map { $0 / total }
    }

    private func objective(_ y: [Double], covariance: Matrix, budgets: [Double]) -> Double {
        var value = 0.5 * covariance.quadraticForm(y)
        for index in y.indices { value -= budgets[index] * log(y[index]) }
        return value
    }

    /// max |RCᵢ/bᵢ − 1| where RCᵢ = yᵢ(Σy)ᵢ / yᵀΣy (scale-free, so it holds for w as well).
    private func contributionError(y: [Double], sigmaY: [Double], budgets: [Double]) -> Double {
        let variance = Vector.dot(y, sigmaY)
        var worst = 0.0
        for index in y.indices { worst = max(worst, abs(y[index] * sigmaY[index] / variance / budgets[index] - 1)) }
        return worst
    }
}
