/// The eigen-decomposition A = V diag(λ) Vᵀ of a symmetric matrix by the cyclic Jacobi method
/// (Golub & Van Loan, algorithm 8.5.3): slow for large matrices but accurate to working precision,
/// which is what checking covariance matrices needs. Eigenvalues are sorted ascending.
public struct SymmetricEigenDecomposition: Sendable {
    /// The eigenvalues, ascending.
    public let eigenvalues: [Double]
    /// The eigenvectors, one per column, in the order of `eigenvalues`.
    public let eigenvectors: Matrix

    /// Decomposes a symmetric matrix (the upper triangle is read); `maximumSweeps` bounds the work.
    public init(_ matrix: Matrix, maximumSweeps: Int = 100) throws(LinearAlgebraError) {
        guard matrix.isSquare else { throw .notSquare(rows: matrix.rows, columns: matrix.columns) }
        let size = matrix.rows
        var a = matrix
        var v = Matrix.identity(size)
        var converged = size <= 1
        let total = a.elements.reduce(0) { $0 + $1 * $1 }
        for _ in 0..<maximumSweeps where !converged {
            var offDiagonal = 0.0
            for row in 0..<size { for column in (row + 1)..<size { offDiagonal += a[row, column] * a[row, column] } }
            if offDiagonal <= total * 1e-32 || offDiagonal == 0 {
                converged = true
                break
            }
            for p in 0..<(size - 1) {
                for q in (p + 1)..<size where a[p, q] != 0 {
                    // The rotation that zeroes a[p, q] (Golub & Van Loan, algorithm 8.5.1).
                    let tau = (a[q, q] - a[p, p]) / (2 * a[p, q])
                    let t = (tau >= 0 ? 1 : -1) / (abs(tau) + (1 + tau * tau).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot(), s = t * c
                    for k in 0..<size {
                        let akp = a[k, p], akq = a[k, q]
                        a[k, p] = c * akp - s * akq
                        a[k, q] = s * akp + c * akq
                    }
                    for k in 0..<size {
                        let apk = a[p, k], aqk = a[q, k]
                        a[p, k] = c * apk - s * aqk
                        a[q, k] = s * apk + c * aqk
                    }
                    for k in 0..<size {
                        let vkp = v[k, p], vkq = v[k, q]
                        v[k, p] = c * vkp - s * vkq
                        v[k, q] = s * vkp + c * vkq
                    }
                }
            }
        }
        guard converged else { throw .notConverged(iterations: maximumSweeps) }
        let order = (0..<size).sorted { a[$0, $0] < a[$1, $1] }
        eigenvalues = order.map { a[$0, $0] }
        var sorted = Matrix(rows: size, columns: size)
        for (newColumn, oldColumn) in order.enumerated() {
            for row in 0..<size { sorted[row, newColumn] = v[row, oldColumn] }
        }
        eigenvectors = sorted
    }
}
