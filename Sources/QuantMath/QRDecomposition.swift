import Foundation

/// The Householder QR factorisation A = Q R of an m×n matrix with m ≥ n (Golub & Van Loan,
/// algorithm 5.2.1), used for least squares: min ‖A x − b‖₂.
public struct QRDecomposition: Sendable {
    /// R above the diagonal and the Householder vectors below it.
    private let factors: Matrix
    /// The Householder scalars βⱼ.
    private let betas: [Double]
    /// The diagonal of R.
    private let rDiagonal: [Double]

    /// Factorises a matrix with at least as many rows as columns.
    public init(_ matrix: Matrix) throws(LinearAlgebraError) {
        let (rows, columns) = (matrix.rows, matrix.columns)
        guard rows >= columns else { throw .underdetermined(rows: rows, columns: columns) }
        var a = matrix
        var betas = [Double](repeating: 0, count: columns)
        var diagonal = [Double](repeating: 0, count: columns)
        for column in 0..<columns {
            var norm = 0.0
            for row in column..<rows { norm = hypot(norm, a[row, column]) }
            if norm == 0 {
                diagonal[column] = 0
                continue
            }
            let alpha = a[column, column] > 0 ? -norm : norm
            // v = x − α e₁, stored in place; β = 2 / vᵀv.
            a[column, column] -= alpha
            var vNormSquared = 0.0
            for row in column..<rows { vNormSquared += a[row, column] * a[row, column] }
            let beta = 2 / vNormSquared
            for k in (column + 1)..<max(column + 1, columns) {
                var dot = 0.0
                for row in column..<rows { dot += a[row, column] * a[row, k] }
                let scale = beta * dot
                for row in column..<rows { a[row, k] -= scale * a[row, column] }
            }
            betas[column] = beta
            diagonal[column] = alpha
        }
        factors = a
        self.betas = betas
        rDiagonal = diagonal
    }

    /// Whether R has a zero on its diagonal (rank deficient to working precision).
    public var isRankDeficient: Bool {
        let scale = rDiagonal.map(abs).max() ?? 0
        return rDiagonal.contains { abs($0) <= scale * Double(factors.rows) * .ulpOfOne }
    }

    /// The least-squares solution of A x ≈ b.
    public func solve(_ rightHandSide: [Double]) throws(LinearAlgebraError) -> [Double] {
        let (rows, columns) = (factors.rows, factors.columns)
        guard rightHandSide.count == rows else { throw .dimensionMismatch("right-hand side has \(rightHandSide.count) rows, A has \(rows)") }
        guard !isRankDeficient else { throw .singular(pivot: rDiagonal.firstIndex { abs($0) == rDiagonal.map(abs).min() } ?? 0) }
        var y = rightHandSide
        // y = Qᵀ b, applying each reflector in turn.
        for column in 0..<columns where betas[column] != 0 {
            var dot = 0.0
            for row in column..<rows { dot += factors[row, column] * y[row] }
            let scale = betas[column] * dot
            for row in column..<rows { y[row] -= scale * factors[row, column] }
        }
        var solution = [Double](repeating: 0, count: columns)
        for row in stride(from: columns - 1, through: 0, by: -1) {
            var sum = y[row]
            for k in (row + 1)..<max(row + 1, columns) { sum -= factors[row, k] * solution[k] }
            solution[row] = sum / rDiagonal[row]
        }
        return solution
    }
}
