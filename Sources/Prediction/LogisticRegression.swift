import Foundation
import QuantMath

/// L2-regularised logistic regression with an unpenalised intercept, scikit-learn's
/// `LogisticRegression(C, penalty="l2")` objective: minimise C·Σᵢ log(1 + e^{−sᵢ(xᵢw + b)}) + ½‖w‖²
/// with sᵢ = ±1. Solved by Newton's method with step halving (the objective is strictly convex in w;
/// the Hessian's intercept entry is positive whenever both classes occur). Stops when the largest
/// Newton step is below 1e-12.
public struct LogisticRegression: Sendable, Codable, Hashable {
    /// The coefficients w.
    public let coefficients: [Double]
    /// The intercept b.
    public let intercept: Double

    /// Fits on rows X and 0/1 labels.
    public init(rows: [[Double]], labels: [Bool], inverseRegularization c: Double, maximumIterations: Int = 100) throws(PredictionError) {
        guard c > 0, c.isFinite else { throw .invalidParameter("C must be positive, got \(c)") }
        guard rows.count == labels.count, let width = rows.first?.count, rows.count > 1 else {
            throw .insufficientData(needed: 2, available: rows.count, purpose: "a logistic regression")
        }
        guard labels.contains(true), labels.contains(false) else {
            throw .constantSeries("every training label is \(labels[0] ? "up" : "down"); a direction model needs both")
        }
        let size = width + 1
        var theta = [Double](repeating: 0, count: size)
        func objective(_ theta: [Double]) -> Double {
            var total = 0.0
            let weights = Array(theta.prefix(width))
            for (row, label) in zip(rows, labels) {
                let margin = (Vector.dot(weights, row) + theta[width]) * (label ? 1 : -1)
                // log(1 + e^{−m}) computed without overflow.
                total += margin > 0 ? log1p(exp(-margin)) : -margin + log1p(exp(margin))
            }
            var penalty = 0.0
            for index in 0..<width { penalty += theta[index] * theta[index] }
            return c * total + 0.5 * penalty
        }
        var converged = false
        for _ in 0..<maximumIterations {
            var gradient = [Double](repeating: 0, count: size)
            var hessian = Matrix(rows: size, columns: size)
            let weights = Array(theta.prefix(width))
            var extended = [Double](repeating: 1, count: size)
            hessian.elements.withUnsafeMutableBufferPointer { h in
                for (row, label) in zip(rows, labels) {
                    let score = Vector.dot(weights, row) + theta[width]
                    let probability = 1 / (1 + exp(-score))
                    let residual = c * (probability - (label ? 1 : 0))
                    let weight = c * probability * (1 - probability)
                    for i in 0..<width { extended[i] = row[i] }
                    for i in 0..<size {
                        gradient[i] += residual * extended[i]
                        let scaled = weight * extended[i]
                        for j in i..<size { h[i * size + j] += scaled * extended[j] }
                    }
                }
            }
            for i in 0..<width {
                gradient[i] += theta[i]
                hessian[i, i] += 1
            }
            for i in 0..<size { for j in 0..<i { hessian[i, j] = hessian[j, i] } }
            let step: [Double]
            do {
                step = try CholeskyDecomposition.withJitter(hessian, initialJitter: 1e-14, maximumJitter: 1e-6).0.solve(gradient.map { -$0 })
            } catch {
                throw .notConverged("the logistic Newton system is singular: \(error)")
            }
            var length = 1.0
            let current = objective(theta)
            while length > 1e-10 && objective(Vector.adding(theta, step, scaledBy: length)) > current + 1e-12 * abs(current) { length /= 2 }
            theta = Vector.adding(theta, step, scaledBy: length)
            if Vector.maximumNorm(step) * length < 1e-12 {
                converged = true
                break
            }
        }
        guard converged else { throw .notConverged("the logistic regression did not converge in \(maximumIterations) Newton steps") }
        coefficients = Array(theta.prefix(width))
        intercept = theta[width]
    }

    /// P(label = 1 | row).
    public func probability(_ row: [Double]) -> Double {
        1 / (1 + exp(-(Vector.dot(coefficients, row) + intercept)))
    }
}
