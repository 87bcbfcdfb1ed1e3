import Foundation

/// The Cholesky factorisation A = L Lᵀ of a symmetric positive definite matrix (Golub & Van Loan,
/// Matrix Computations, 4th ed., algorithm 4.2.1). Only the lower triangle of A is read.
public struct CholeskyDecomposition: Sendable {
    /// The lower-triangular factor L.
    public let lower: Matrix

    /// Factorises a matrix; throws `notPositiveDefinite` naming the first failing pivot.
    public init(_ matrix: Matrix) throws(LinearAlgebraError) {
        guard matrix.isSquare else { throw .notSquare(rows: matrix.rows, columns: matrix.columns) }
        let size = matrix.rows
        var factor = Matrix(rows: size, columns: size)
        for column in 0..<size {
            var diagonal = matrix[column, column]
            for k in 0..<column { diagonal -= factor[column, k] * factor[column, k] }
            guard diagonal > 0, diagonal.isFinite else { throw .notPositiveDefinite(pivot: column, value: diagonal) }
            let pivot = diagonal.squareRoot()
            factor[column, column] = pivot
            for row in (column + 1)..<max(column + 1, size) {
                var sum = matrix[row, column]
                for k in 0..<column { sum -= factor[row, k] * factor[column, k] }
                factor[row, column] = sum / pivot
            }
        }
        lower = factor
    }

    /// Factorises A + δI, raising δ from `initialJitter` by factors of 10 up to `maximumJitter`
    /// until A + δI is positive definite; returns the factor and the δ used (0 when none was needed).
    /// Use for covariance matrices that are positive semi-definite only through rounding.
    public static func withJitter(_ matrix: Matrix, initialJitter: Double = 1e-12,
                                  maximumJitter: Double = 1e-6) throws(LinearAlgebraError) -> (CholeskyDecomposition, jitter: Double) {
        if let factor = try? CholeskyDecomposition(matrix) { return (factor, 0) }
        let scale = max(matrix.diagonalElements.map(abs).max() ?? 1, 1e-300)
        guard scale.isFinite, initialJitter > 0, maximumJitter >= initialJitter else {
            throw .notPositiveDefinite(pivot: 0, value: scale)
        }
        var jitter = initialJitter * scale
        var lastError = LinearAlgebraError.notPositiveDefinite(pivot: 0, value: 0)
        // A bounded number of attempts: a loop on the jitter alone never ends once it overflows.
        while jitter <= maximumJitter * scale * (1 + 1e-9) {
            var shifted = matrix
            for index in 0..<matrix.rows { shifted[index, index] += jitter }
            do {
                return (try CholeskyDecomposition(shifted), jitter)
            } catch {
                lastError = error
            }
            jitter *= 10
        }
        throw lastError
    }

    /// Solves A x = b.
    public func solve(_ rightHandSide: [Double]) -> [Double] {
        let size = lower.rows
        precondition(rightHandSide.count == size, "right-hand side length does not match")
        var solution = rightHandSide
        lower.elements.withUnsafeBufferPointer { factor in
            // Forward substitution: L y = b.
            for row in 0..<size {
                var sum = solution[row]
                for k in 0..<row { sum -= factor[row * size + k] * solution[k] }
                solution[row] = sum / factor[row * size + row]
            }
            // Back substitution: Lᵀ x = y.
            for row in stride(from: size - 1, through: 0, by: -1) {
                var sum = solution[row]
                for k in (row + 1)..<max(row + 1, size) { sum -= factor[k * size + row] * solution[k] }
                solution[row] = sum / factor[row * size + row]
            }
        }
        return solution
    }

    /// log det A = 2 Σ log Lᵢᵢ.
    public var logDeterminant: Double {
        2 * lower.diagonalElements.reduce(0) { $0 + log($1) }
    }
}
