/// A dense real matrix stored row by row.
///
/// Small and explicit on purpose: the optimizer's problems are at most a few hundred assets, where
/// straightforward loops over contiguous storage are fast and easy to check.
public struct Matrix: Sendable, Hashable, CustomStringConvertible {
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// The entries, row after row (`rows × columns` values).
    public var elements: [Double]

    /// A matrix of the given size filled with one value.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must not be negative")
        self.rows = rows
        self.columns = columns
        elements = [Double](repeating: value, count: rows * columns)
    }

    /// A matrix from row-major elements.
    public init(rows: Int, columns: Int, elements: [Double]) {
        precondition(elements.count == rows * columns, "expected \(rows * columns) elements, got \(elements.count)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix from an array of equally long rows.
    public init(_ rowArrays: [[Double]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "all rows must have the same length")
        self.init(rows: rowArrays.count, columns: columns, elements: rowArrays.flatMap { $0 })
    }

    /// The identity matrix of a size.
    public static func identity(_ size: Int) -> Matrix {
        var matrix = Matrix(rows: size, columns: size)
        for index in 0..<size { matrix[index, index] = 1 }
        return matrix
    }

    /// A square matrix with a vector on its diagonal.
    public static func diagonal(_ values: [Double]) -> Matrix {
        var matrix = Matrix(rows: values.count, columns: values.count)
        for (index, value) in values.enumerated() { matrix[index, index] = value }
        return matrix
    }

    /// The entry at a row and column.
    @inlinable
    public subscript(row: Int, column: Int) -> Double {
        get { elements[row * columns + column] }
        set { elements[row * columns + column] = newValue }
    }

    /// One row as a vector.
    public func row(_ index: Int) -> [Double] {
        Array(elements[(index * columns)..<((index + 1) * columns)])
    }

    /// One column as a vector.
    public func column(_ index: Int) -> [Double] {
        (0..<rows).map { self[$0, index] }
    }

    /// The diagonal entries.
    public var diagonalElements: [Double] {
        (0..<min(rows, columns)).map { self[$0, $0] }
    }

    /// Whether the matrix is square.
    public var isSquare: Bool { rows == columns }

    /// The transpose.
    public var transposed: Matrix {
        var result = Matrix(rows: columns, columns: rows)
        for row in 0..<rows {
            for column in 0..<columns { result[column, row] = self[row, column] }
        }
        return result
    }

    /// The largest absolute difference between this matrix and its transpose (0 for symmetric matrices).
    public var asymmetry: Double {
        guard isSquare else { return .infinity }
        var largest = 0.0
        for row in 0..<rows {
            for column in (row + 1)..<max(row + 1, columns) {
                largest = max(largest, abs(self[row, column] - self[column, row]))
            }
        }
        return largest
    }

    /// The matrix-vector product.
    public func multiplied(by vector: [Double]) -> [Double] {
        precondition(vector.count == columns, "vector length \(vector.count) does not match \(columns) columns")
        var result = [Double](repeating: 0, count: rows)
        elements.withUnsafeBufferPointer { entries in
            vector.withUnsafeBufferPointer { values in
                for row in 0..<rows {
                    var sum = 0.0
                    let offset = row * columns
                    for column in 0..<columns { sum += entries[offset + column] * values[column] }
                    result[row] = sum
                }
            }
        }
        return result
    }

    /// The matrix product.
    public func multiplied(by other: Matrix) -> Matrix {
        precondition(columns == other.rows, "cannot multiply \(rows)×\(columns) by \(other.rows)×\(other.columns)")
        var result = Matrix(rows: rows, columns: other.columns)
        let inner = columns, width = other.columns
        result.elements.withUnsafeMutableBufferPointer { output in
            elements.withUnsafeBufferPointer { left in
                other.elements.withUnsafeBufferPointer { right in
                    for row in 0..<rows {
                        for k in 0..<inner {
                            let factor = left[row * inner + k]
                            if factor == 0 { continue }
                            for column in 0..<width { output[row * width + column] += factor * right[k * width + column] }
                        }
                    }
                }
            }
        }
        return result
    }

    /// The quadratic form xᵀ M x.
    public func quadraticForm(_ vector: [Double]) -> Double {
        Vector.dot(vector, multiplied(by: vector))
    }

    /// Elementwise sum.
    public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "matrix sizes differ")
        return Matrix(rows: lhs.rows, columns: lhs.columns, elements: zip(lhs.elements, rhs.elements).map { $0 + $1 })
    }

    /// Elementwise difference.
    public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns, "matrix sizes differ")
        return Matrix(rows: lhs.rows, columns: lhs.columns, elements: zip(lhs.elements, rhs.elements).map { $0 - $1 })
    }

    /// Every entry scaled.
    public static func * (scalar: Double, matrix: Matrix) -> Matrix {
        Matrix(rows: matrix.rows, columns: matrix.columns, elements: matrix.elements.map { scalar * $0 })
    }

    public var description: String {
        (0..<rows).map { row in self.row(row).map { String($0) }.joined(separator: " ") }.joined(separator: "\n")
    }
}

/// Vector helpers on `[Double]`.
public enum Vector {
    /// The dot product.
    @inlinable
    public static func dot(_ lhs: [Double], _ rhs: [Double]) -> Double {
        precondition(lhs.count == rhs.count, "vector lengths differ")
        var sum = 0.0
        for index in lhs.indices { sum += lhs[index] * rhs[index] }
        return sum
    }

    /// The Euclidean norm.
    public static func norm(_ vector: [Double]) -> Double { dot(vector, vector).squareRoot() }

    /// The largest absolute entry (0 for an empty vector).
    public static func maximumNorm(_ vector: [Double]) -> Double { vector.reduce(0) { max($0, abs($1)) } }

    /// a + scale·b.
    public static func adding(_ a: [Double], _ b: [Double], scaledBy scale: Double = 1) -> [Double] {
        precondition(a.count == b.count, "vector lengths differ")
        return (0..<a.count).map { a[$0] + scale * b[$0] }
    }
}
