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
        // Row-oriented (Cholesky-Crout): every inner product runs over two contiguous rows of L.
        let failure: (pivot: Int, value: Double)? = matrix.elements.withUnsafeBufferPointer { source in
            factor.elements.withUnsafeMutableBufferPointer { lower in
                for column in 0..<size {
                    let columnRow = lower.baseAddress! + column * size
                    let diagonal = source[column * size + column] - Self.dot(columnRow, columnRow, count: column)
                    guard diagonal > 0, diagonal.isFinite else { return (column, diagonal) }
                    let pivot = diagonal.squareRoot()
                    columnRow[column] = pivot
                    for row in (column + 1)..<max(column + 1, size) {
                        let rowStart = lower.baseAddress! + row * size
                        rowStart[column] = (source[row * size + column] - Self.dot(rowStart, columnRow, count: column)) / pivot
                    }
                }
                return nil
            }
        }
        if let failure { throw .notPositiveDefinite(pivot: failure.pivot, value: failure.value) }
        lower = factor
    }

    /// Σ aᵢbᵢ over `count` values with four independent accumulators, so the additions pipeline
    /// (a single running sum serialises on the adder's latency).
    @inline(__always)
    static func dot(_ a: UnsafeMutablePointer<Double>, _ b: UnsafeMutablePointer<Double>, count: Int) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var index = 0
        while index + 4 <= count {
            s0 += a[index] * b[index]
            s1 += a[index + 1] * b[index + 1]
            s2 += a[index + 2] * b[index + 2]
            s3 += a[index + 3] * b[index + 3]
            index += 4
        }
        while index < count {
            s0 += a[index] * b[index]
            index += 1
        }
        return (s0 + s1) + (s2 + s3)
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
