/// A primal-dual interior-point solver for convex quadratic programs, with Mehrotra's
/// predictor-corrector steps (Nocedal & Wright, Numerical Optimization, 2nd ed., §16.6; the same
/// scheme as CVXOPT's `coneqp` restricted to the non-negative orthant).
///
/// Each iteration solves the reduced Newton system (P + Gᵀ D G) dx + Aᵀ dy = r, A dx = r' with a
/// Cholesky factorisation and a Schur complement for the equalities. Bounds are handled as diagonal
/// terms, so a problem with n assets and box constraints costs O(n³) per iteration, not O((3n)³).
///
/// Convergence: stop when the equality, inequality and stationarity residuals are each below
/// `tolerance · (1 + norm of their data)` and the average complementarity sᵀz/m is below
/// `tolerance · (1 + |objective|)`. With the default 1e-10 the objective is accurate to about
/// 1e-9 relative on the portfolio problems this product solves.
public struct InteriorPointSolver: Sendable {
    /// The relative tolerance of residuals and complementarity.
    public var tolerance: Double
    /// The most iterations before giving up.
    public var maximumIterations: Int

    /// Creates a solver.
    public init(tolerance: Double = 1e-10, maximumIterations: Int = 200) {
        self.tolerance = tolerance
        self.maximumIterations = maximumIterations
    }

    /// One inequality in the form (row · x) + s = h, s ≥ 0: a dense row, or a bound on one variable.
    private enum InequalityKind {
        case general(Int)
        case lower(Int)
        case upper(Int)
    }

    public func solve(_ problem: QuadraticProgram) throws(QuadraticProgramError) -> QuadraticProgramSolution {
        let n = problem.variableCount
        let p = problem.equalityMatrix.rows
        try validate(problem)
        let G = problem.inequalityMatrix
        var kinds: [InequalityKind] = (0..<G.rows).map { .general($0) }
        var h = problem.inequalityVector
        for index in 0..<n where problem.lowerBounds[index] > -.infinity {
            kinds.append(.lower(index))
            h.append(-problem.lowerBounds[index])
        }
        for index in 0..<n where problem.upperBounds[index] < .infinity {
            kinds.append(.upper(index))
            h.append(problem.upperBounds[index])
        }
        let m = kinds.count
        // The non-zero entries of each general row: portfolio constraints are sparse (a group, a
        // turnover split, a scaled bound touch a few variables), so products skip the zeros.
        let nonzeros: [[(column: Int, value: Double)]] = (0..<G.rows).map { row in
            (0..<n).compactMap { column in G[row, column] == 0 ? nil : (column, G[row, column]) }
        }

        // G x for every inequality kind.
        func multiplyG(_ x: [Double]) -> [Double] {
            kinds.map { kind in
                switch kind {
                case .general(let row): nonzeros[row].reduce(0) { $0 + $1.value * x[$1.column] }
                case .lower(let index): -x[index]
                case .upper(let index): x[index]
                }
            }
        }
        // Gᵀ w.
        func multiplyGTransposed(_ w: [Double]) -> [Double] {
            var result = [Double](repeating: 0, count: n)
            for (position, kind) in kinds.enumerated() where w[position] != 0 {
                switch kind {
                case .general(let row): for entry in nonzeros[row] { result[entry.column] += entry.value * w[position] }
                case .lower(let index): result[index] -= w[position]
                case .upper(let index): result[index] += w[position]
                }
            }
            return result
        }

        let P = problem.quadratic, q = problem.linear, A = problem.equalityMatrix, b = problem.equalityVector
        let AT = A.transposed
        // Start inside the box where one exists, and strictly feasible in the slacks.
        var x = (0..<n).map { index -> Double in
            let (low, high) = (problem.lowerBounds[index], problem.upperBounds[index])
            switch (low.isFinite, high.isFinite) {
            case (true, true): return (low + high) / 2
            case (true, false): return low + 1
            case (false, true): return high - 1
            case (false, false): return 0
            }
        }
        var s = zip(multiplyG(x), h).map { max($1 - $0, 1) }
        var z = [Double](repeating: 1, count: m)
        var y = [Double](repeating: 0, count: p)
        let qNorm = Vector.maximumNorm(q), bNorm = Vector.maximumNorm(b), hNorm = Vector.maximumNorm(h)

        var primalResidual = Double.infinity, dualResidual = Double.infinity, gap = Double.infinity
        for iteration in 0...maximumIterations {
            let Gx = multiplyG(x)
            let rd = Vector.adding(Vector.adding(Vector.adding(P.multiplied(by: x), q), AT.multiplied(by: y)), multiplyGTransposed(z))
            let rp = Vector.adding(A.multiplied(by: x), b, scaledBy: -1)
            let rg = (0..<m).map { Gx[$0] + s[$0] - h[$0] }
            gap = m == 0 ? 0 : Vector.dot(s, z) / Double(m)
            primalResidual = max(Vector.maximumNorm(rp), Vector.maximumNorm(rg))
            dualResidual = Vector.maximumNorm(rd)
            let objective = problem.objective(at: x)
            if Vector.maximumNorm(rp) <= tolerance * (1 + bNorm), Vector.maximumNorm(rg) <= tolerance * (1 + hNorm),
               dualResidual <= tolerance * (1 + qNorm), gap <= tolerance * (1 + abs(objective)) {
                return QuadraticProgramSolution(x: x, objective: objective, equalityMultipliers: y, iterations: iteration,
                                                primalResidual: primalResidual, dualResidual: dualResidual, complementarity: gap)
            }
            if iteration == maximumIterations { break }

            // H = P + Gᵀ diag(z/s) G.
            let d = (0..<m).map { z[$0] / s[$0] }
            var H = P
            for (position, kind) in kinds.enumerated() {
                switch kind {
                case .general(let row):
                    for first in nonzeros[row] {
                        let scaled = d[position] * first.value
                        for second in nonzeros[row] { H[first.column, second.column] += scaled * second.value }
                    }
                case .lower(let index), .upper(let index): H[index, index] += d[position]
                }
            }
            let factor: CholeskyDecomposition
            do {
                factor = try CholeskyDecomposition.withJitter(H, initialJitter: 1e-14, maximumJitter: 1e-4).0
            } catch {
                throw .numericalFailure("the Newton system is not positive definite (\(error)); the problem may be unbounded")
            }
            // Schur complement S = A H⁻¹ Aᵀ for the equalities.
            var HinvAT = Matrix(rows: n, columns: p)
            for column in 0..<p {
                let solved = factor.solve(A.row(column))
                for row in 0..<n { HinvAT[row, column] = solved[row] }
            }
            let schur = A.multiplied(by: HinvAT)
            let schurFactor: LUDecomposition?
            do {
                schurFactor = p > 0 ? try LUDecomposition(schur) : nil
            } catch {
                throw .numericalFailure("the equality constraints are linearly dependent")
            }

            /// Solves the Newton system for a complementarity right-hand side r_sz; returns (dx, dy, dz, ds).
            func newtonStep(_ rsz: [Double]) -> ([Double], [Double], [Double], [Double]) {
                let w = (0..<m).map { (rsz[$0] - z[$0] * rg[$0]) / s[$0] }
                let r1 = Vector.adding(multiplyGTransposed(w), rd, scaledBy: -1)
                let Hinvr1 = factor.solve(r1)
                var dy = [Double](repeating: 0, count: p)
                if let schurFactor {
                    // S dy = A H⁻¹ r1 − r2, with r2 = −rp.
                    let rhs = Vector.adding(A.multiplied(by: Hinvr1), rp)
                    dy = schurFactor.solve(rhs)
                }
                let dx = p > 0 ? Vector.adding(Hinvr1, HinvAT.multiplied(by: dy), scaledBy: -1) : Hinvr1
                let Gdx = multiplyG(dx)
                let ds = (0..<m).map { -rg[$0] - Gdx[$0] }
                let dz = (0..<m).map { (-rsz[$0] - z[$0] * ds[$0]) / s[$0] }
                return (dx, dy, dz, ds)
            }

            func maximumStep(_ values: [Double], _ steps: [Double]) -> Double {
                var alpha = 1.0
                for index in values.indices where steps[index] < 0 { alpha = min(alpha, -values[index] / steps[index]) }
                return alpha
            }

            // Predictor (affine scaling) step.
            let affine = newtonStep((0..<m).map { s[$0] * z[$0] })
            let alphaAffine = min(maximumStep(s, affine.3), maximumStep(z, affine.2))
            var sigma = 0.0
            if m > 0 {
                var affineGap = 0.0
                for index in 0..<m { affineGap += (s[index] + alphaAffine * affine.3[index]) * (z[index] + alphaAffine * affine.2[index]) }
                affineGap /= Double(m)
                sigma = pow3(affineGap / gap)
            }
            // Corrector step with Mehrotra's second-order term.
            let corrected = newtonStep((0..<m).map { s[$0] * z[$0] + affine.3[$0] * affine.2[$0] - sigma * gap })
            let alpha = min(1, 0.99 * min(maximumStep(s, corrected.3), maximumStep(z, corrected.2)))
            x = Vector.adding(x, corrected.0, scaledBy: alpha)
            y = Vector.adding(y, corrected.1, scaledBy: alpha)
            z = Vector.adding(z, corrected.2, scaledBy: alpha)
            s = Vector.adding(s, corrected.3, scaledBy: alpha)
            if !x.allSatisfy(\.isFinite) || !z.allSatisfy(\.isFinite) || !s.allSatisfy(\.isFinite) {
                throw .numericalFailure("the iterates stopped being finite; the constraints are likely infeasible")
            }
            // Multipliers growing without bound while the residual stays put is the signature of
            // infeasible constraints (a Farkas certificate in the limit); stop rather than diverge.
            if Vector.maximumNorm(z) > 1e12 * (1 + qNorm + Vector.maximumNorm(P.elements)), primalResidual > 1e3 * tolerance * (1 + bNorm + hNorm) {
                throw .notConverged(iterations: iteration + 1, primalResidual: primalResidual, dualResidual: dualResidual, complementarity: gap)
            }
        }
        throw .notConverged(iterations: maximumIterations, primalResidual: primalResidual, dualResidual: dualResidual, complementarity: gap)
    }

    private func validate(_ problem: QuadraticProgram) throws(QuadraticProgramError) {
        let n = problem.variableCount
        guard n > 0 else { throw .invalidProblem("there are no variables") }
        guard problem.quadratic.elements.allSatisfy(\.isFinite), problem.linear.allSatisfy(\.isFinite) else {
            throw .invalidProblem("P and q must be finite")
        }
        guard problem.quadratic.asymmetry <= 1e-9 * max(1, Vector.maximumNorm(problem.quadratic.elements)) else {
            throw .invalidProblem("P must be symmetric")
        }
        guard problem.equalityMatrix.columns == n, problem.equalityMatrix.rows == problem.equalityVector.count,
              problem.inequalityMatrix.columns == n, problem.inequalityMatrix.rows == problem.inequalityVector.count,
              problem.lowerBounds.count == n, problem.upperBounds.count == n else {
            throw .invalidProblem("constraint sizes do not match the number of variables")
        }
        for index in 0..<n where problem.lowerBounds[index] > problem.upperBounds[index] {
            throw .invalidProblem("variable \(index) has lower bound \(problem.lowerBounds[index]) above upper bound \(problem.upperBounds[index])")
        }
    }
}

@inline(__always)
private func pow3(_ value: Double) -> Double { value * value * value }
