/// The LU factorisation P A = L U with partial pivoting (Golub & Van Loan, algorithm 3.4.1), for
/// solving square systems that need not be symmetric.
public struct LUDecomposition: Sendable {
    /// L (unit lower, below the diagonal) and U (upper, on and above it) in one matrix.
    public let factors: Matrix
    /// The row each pivot came from.
    public let pivots: [Int]
    /// +1 or -1: the sign of the row permutation.
    public let permutationSign: Double

    /// Factorises a square matrix; throws `singular` when a pivot is zero to working precision.
    public init(_ matrix: Matrix) throws(LinearAlgebraError) {
        guard matrix.isSquare else { throw .notSquare(rows: matrix.rows, columns: matrix.columns) }
        let size = matrix.rows
        var lu = matrix
        var pivots = Array(0..<size)
        var sign = 1.0
        let scale = matrix.elements.reduce(0) { max($0, abs($1)) }
        for column in 0..<size {
            var pivotRow = column
            var largest = abs(lu[column, column])
            for row in (column + 1)..<max(column + 1, size) where abs(lu[row, column]) > largest {
                largest = abs(lu[row, column])
                pivotRow = row
            }
            guard largest > scale * Double(size) * .ulpOfOne, largest > 0 else { throw .singular(pivot: column) }
            if pivotRow != column {
                for k in 0..<size { lu.elements.swapAt(column * size + k, pivotRow * size + k) }
                pivots.swapAt(column, pivotRow)
                sign = -sign
            }
            let pivot = lu[column, column]
            for row in (column + 1)..<max(column + 1, size) {
                let factor = lu[row, column] / pivot
                lu[row, column] = factor
                if factor == 0 { continue }
                for k in (column + 1)..<size { lu[row, k] -= factor * lu[column, k] }
            }
        }
        factors = lu
        self.pivots = pivots
        permutationSign = sign
    }

    /// Solves A x = b.
    public func solve(_ rightHandSide: [Double]) -> [Double] {
        let size = factors.rows
        precondition(rightHandSide.count == size, "right-hand side length does not match")
        var solution = pivots.map { rightHandSide[$0] }
        for row in 0..<size {
            var sum = solution[row]
            for k in 0..<row { sum -= factors[row, k] * solution[k] }
            solution[row] = sum
        }
        for row in stride(from: size - 1, through: 0, by: -1) {
            var sum = solution[row]
            for k in (row + 1)..<max(row + 1, size) { sum -= factors[row, k] * solution[k] }
            solution[row] = sum / factors[row, row]
        }
        return solution
    }

    /// The determinant of A.
    public var determinant: Double {
        factors.diagonalElements.reduce(permutationSign, *)
    }
}
