/// Why a factorisation or solve has no answer.
public enum LinearAlgebraError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The matrix is not square where a square one is needed.
    case notSquare(rows: Int, columns: Int)
    /// Cholesky met a pivot that is not positive: the matrix is not positive definite.
    case notPositiveDefinite(pivot: Int, value: Double)
    /// LU met a zero pivot: the matrix is singular (to working precision).
    case singular(pivot: Int)
    /// The matrix has fewer rows than columns where least squares needs at least as many.
    case underdetermined(rows: Int, columns: Int)
    /// A dimension does not match.
    case dimensionMismatch(String)
    /// An iterative method stopped before converging.
    case notConverged(iterations: Int)

    public var description: String {
        switch self {
        case .notSquare(let rows, let columns): "the matrix is \(rows)×\(columns), not square"
        case .notPositiveDefinite(let pivot, let value): "the matrix is not positive definite (pivot \(pivot) is \(value))"
        case .singular(let pivot): "the matrix is singular (zero pivot at \(pivot))"
        case .underdetermined(let rows, let columns): "least squares needs at least as many rows as columns (\(rows)×\(columns))"
        case .dimensionMismatch(let detail): "dimension mismatch: \(detail)"
        case .notConverged(let iterations): "did not converge in \(iterations) iterations"
        }
    }
}
