import QuantMath
import Testing

@Suite("Interior-point QP solver")
struct QuadraticProgramTests {
    let solver = InteriorPointSolver()

    @Test("minimises a quadratic on a hyperplane")
    func equalityConstrained() throws {
        var problem = QuadraticProgram(quadratic: .identity(2), linear: [0, 0])
        problem.addEquality([1, 1], equals: 1)
        let solution = try solver.solve(problem)
        #expect(abs(solution.x[0] - 0.5) < 1e-9 && abs(solution.x[1] - 0.5) < 1e-9)
        #expect(abs(solution.objective - 0.25) < 1e-9)
    }

    @Test("stops at an active upper bound")
    func activeBound() throws {
        var problem = QuadraticProgram(quadratic: Matrix([[1]]), linear: [-3])
        problem.upperBounds = [2]
        let solution = try solver.solve(problem)
        #expect(abs(solution.x[0] - 2) < 1e-9)
    }

    @Test("solves a linear program (P = 0) to its vertex")
    func linearProgram() throws {
        var problem = QuadraticProgram(quadratic: Matrix(rows: 2, columns: 2), linear: [-1, -1])
        problem.addInequality([1, 2], atMost: 4)
        problem.addInequality([3, 1], atMost: 6)
        problem.lowerBounds = [0, 0]
        let solution = try solver.solve(problem)
        #expect(abs(solution.x[0] - 1.6) < 1e-8 && abs(solution.x[1] - 1.2) < 1e-8)
        #expect(abs(solution.objective - -2.8) < 1e-8)
    }

    @Test("a long-only minimum-variance portfolio matches its closed form when no bound binds")
    func minimumVariance() throws {
        let covariance = Matrix([[0.04, 0.006, 0.01], [0.006, 0.09, 0.012], [0.01, 0.012, 0.0625]])
        var problem = QuadraticProgram(quadratic: covariance, linear: [0, 0, 0])
        problem.addEquality([1, 1, 1], equals: 1)
        problem.lowerBounds = [0, 0, 0]
        problem.upperBounds = [1, 1, 1]
        let solution = try solver.solve(problem)
        // w ∝ Σ⁻¹ 1.
        let raw = try CholeskyDecomposition(covariance).solve([1, 1, 1])
        let expected = raw.map { $0 / raw.reduce(0, +) }
        for index in 0..<3 { #expect(abs(solution.x[index] - expected[index]) < 1e-9) }
    }

    @Test("reports contradictory constraints instead of returning a point")
    func infeasible() {
        var problem = QuadraticProgram(quadratic: .identity(2), linear: [0, 0])
        problem.addEquality([1, 1], equals: 1)
        problem.upperBounds = [0.2, 0.2]
        #expect(throws: QuadraticProgramError.self) { try solver.solve(problem) }
    }

    @Test("rejects malformed problems", arguments: [
        QuadraticProgram(quadratic: Matrix([[1, 2], [0, 1]]), linear: [0, 0]),
        QuadraticProgram(quadratic: Matrix([[1, 0], [0, .nan]]), linear: [0, 0]),
    ])
    func invalid(problem: QuadraticProgram) {
        #expect(throws: QuadraticProgramError.self) { try solver.solve(problem) }
    }
}
