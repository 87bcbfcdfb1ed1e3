import Foundation
import QuantMath
import Testing

@Suite("Linear algebra")
struct LinearAlgebraTests {
    func close(_ a: [Double], _ b: [Double], tolerance: Double = 1e-12) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    @Test("Cholesky factors the textbook matrix exactly")
    func cholesky() throws {
        let a = Matrix([[4, 12, -16], [12, 37, -43], [-16, -43, 98]])
        let factor = try CholeskyDecomposition(a)
        #expect(factor.lower == Matrix([[2, 0, 0], [6, 1, 0], [-8, 5, 3]]))
        #expect(close(factor.solve([1, 2, 3]), (try LUDecomposition(a)).solve([1, 2, 3])))
        #expect(abs(factor.logDeterminant - 2 * (log(2.0) + log(1.0) + log(3.0))) < 1e-12)
    }

    @Test("Cholesky names the failing pivot of a matrix that is not positive definite, and jitter repairs a PSD one")
    func choleskyFailure() throws {
        #expect(throws: LinearAlgebraError.notPositiveDefinite(pivot: 1, value: -3)) {
            try CholeskyDecomposition(Matrix([[1, 2], [2, 1]]))
        }
        let singular = Matrix([[1, 1], [1, 1]])
        let (_, jitter) = try CholeskyDecomposition.withJitter(singular)
        #expect(jitter > 0 && jitter <= 1e-6)
    }

    @Test("LU solves a non-symmetric system and computes its determinant")
    func lu() throws {
        let a = Matrix([[0, 2, 1], [1, -2, -3], [-1, 1, 2]])
        let lu = try LUDecomposition(a)
        let x = lu.solve([-8, 0, 3])
        #expect(close(a.multiplied(by: x), [-8, 0, 3]))
        #expect(abs(lu.determinant - 1) < 1e-12)  // 0·(−4+3) − 2·(2−3) + 1·(1−2) = 1
        #expect(throws: LinearAlgebraError.singular(pivot: 1)) { try LUDecomposition(Matrix([[1, 2], [2, 4]])) }
    }

    @Test("QR least squares recovers an exact line and matches the normal equations on noisy data")
    func leastSquares() throws {
        let xs: [Double] = [0, 1, 2, 3, 4, 5]
        let design = Matrix(xs.map { [1, $0] })
        #expect(close(try QRDecomposition(design).solve(xs.map { 1 + 2 * $0 }), [1, 2]))
        let noisy: [Double] = [1.1, 2.9, 5.2, 6.8, 9.1, 11.0]
        let normal = design.transposed.multiplied(by: design)
        let expected = try CholeskyDecomposition(normal).solve(design.transposed.multiplied(by: noisy))
        #expect(close(try QRDecomposition(design).solve(noisy), expected, tolerance: 1e-10))
        #expect(throws: LinearAlgebraError.underdetermined(rows: 1, columns: 2)) { try QRDecomposition(Matrix([[1, 2]])) }
    }

    @Test("the symmetric eigen-decomposition reconstructs the matrix with orthonormal vectors")
    func eigen() throws {
        let small = try SymmetricEigenDecomposition(Matrix([[2, 1], [1, 2]]))
        #expect(close(small.eigenvalues, [1, 3]))
        var generator = SplitMix64(seed: 7)
        let size = 12
        var b = Matrix(rows: size, columns: size)
        for index in b.elements.indices { b.elements[index] = Double.random(in: -1...1, using: &generator) }
        let a = b.transposed.multiplied(by: b)
        let decomposition = try SymmetricEigenDecomposition(a)
        let v = decomposition.eigenvectors
        let rebuilt = v.multiplied(by: Matrix.diagonal(decomposition.eigenvalues)).multiplied(by: v.transposed)
        #expect(close(rebuilt.elements, a.elements, tolerance: 1e-11))
        #expect(close(v.transposed.multiplied(by: v).elements, Matrix.identity(size).elements, tolerance: 1e-12))
        #expect(decomposition.eigenvalues == decomposition.eigenvalues.sorted())
        #expect(decomposition.eigenvalues.allSatisfy { $0 > -1e-12 })
    }
}

/// A small deterministic generator for test data (Steele, Lea & Flood's SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
