/// A convex quadratic program: minimise ½ xᵀ P x + qᵀ x subject to A x = b, G x ≤ h and
/// lower ≤ x ≤ upper (any bound may be infinite). P must be symmetric positive semi-definite.
public struct QuadraticProgram: Sendable {
    /// The quadratic term P (n×n, symmetric PSD). A zero matrix makes the problem a linear program.
    public var quadratic: Matrix
    /// The linear term q (n).
    public var linear: [Double]
    /// Equality rows A (p×n).
    public var equalityMatrix: Matrix
    /// Equality right-hand side b (p).
    public var equalityVector: [Double]
    /// Inequality rows G (m×n), read as G x ≤ h.
    public var inequalityMatrix: Matrix
    /// Inequality right-hand side h (m).
    public var inequalityVector: [Double]
    /// Lower bounds (−∞ for none).
    public var lowerBounds: [Double]
    /// Upper bounds (+∞ for none).
    public var upperBounds: [Double]

    /// The number of variables.
    public var variableCount: Int { linear.count }

    /// Creates a problem with no constraints; add them through the properties.
    public init(quadratic: Matrix, linear: [Double]) {
        precondition(quadratic.rows == linear.count && quadratic.columns == linear.count, "P must be n×n with n = q.count")
        let n = linear.count
        self.quadratic = quadratic
        self.linear = linear
        equalityMatrix = Matrix(rows: 0, columns: n)
        equalityVector = []
        inequalityMatrix = Matrix(rows: 0, columns: n)
        inequalityVector = []
        lowerBounds = [Double](repeating: -.infinity, count: n)
        upperBounds = [Double](repeating: .infinity, count: n)
    }

    /// Adds the equality row·x = value.
    public mutating func addEquality(_ row: [Double], equals value: Double) {
        precondition(row.count == variableCount, "row length must equal the number of variables")
        equalityMatrix = Self.appending(row, to: &equalityMatrix)
        equalityVector.append(value)
    }

    /// Adds the inequality row·x ≤ value.
    public mutating func addInequality(_ row: [Double], atMost value: Double) {
        precondition(row.count == variableCount, "row length must equal the number of variables")
        inequalityMatrix = Self.appending(row, to: &inequalityMatrix)
        inequalityVector.append(value)
    }

    /// The matrix with one more row, moving its storage instead of copying it (adding m rows costs
    /// O(m·n), not O(m²·n)).
    private static func appending(_ row: [Double], to matrix: inout Matrix) -> Matrix {
        var elements: [Double] = []
        swap(&elements, &matrix.elements)
        elements.append(contentsOf: row)
        return Matrix(rows: matrix.rows + 1, columns: matrix.columns, elements: elements)
    }

    /// The objective ½ xᵀ P x + qᵀ x at a point.
    public func objective(at x: [Double]) -> Double {
        0.5 * quadratic.quadraticForm(x) + Vector.dot(linear, x)
    }
}

/// A solution of a quadratic program with the evidence of its accuracy.
public struct QuadraticProgramSolution: Sendable {
    /// The minimiser x.
    public let x: [Double]
    /// The objective value at x.
    public let objective: Double
    /// Multipliers of the equality constraints.
    public let equalityMultipliers: [Double]
    /// Interior-point iterations used.
    public let iterations: Int
    /// The largest remaining constraint violation (equalities, inequalities, bounds).
    public let primalResidual: Double
    /// The largest remaining stationarity error.
    public let dualResidual: Double
    /// The average complementarity sᵀz / m at the end.
    public let complementarity: Double
}

/// Why a quadratic program was not solved.
public enum QuadraticProgramError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The data have the wrong sizes or non-finite entries.
    case invalidProblem(String)
    /// The iterations ran out; the residuals say whether it looks infeasible (primal residual stuck)
    /// or merely slow.
    case notConverged(iterations: Int, primalResidual: Double, dualResidual: Double, complementarity: Double)
    /// A Newton system could not be solved even with regularisation.
    case numericalFailure(String)

    public var description: String {
        switch self {
        case .invalidProblem(let detail): "invalid quadratic program: \(detail)"
        case .notConverged(let iterations, let primal, let dual, let gap):
            "the quadratic program did not converge in \(iterations) iterations (primal residual \(primal), dual residual \(dual), gap \(gap)); the constraints may be infeasible"
        case .numericalFailure(let detail): "numerical failure: \(detail)"
        }
    }
}
