/// Gram matrices scale · Σₜ wₜ xₜ xₜᵀ of the rows xₜ of a row-major T×N table: the kernel of every
/// covariance estimate.
///
/// The accumulation is tiled: for each 48×48 tile of the result (about 18 KB, resident in the L1
/// cache), all T rows are streamed once and the tile receives their rank-1 updates. A plain
/// row-by-row update would sweep the whole N×N accumulator per row (about 2 MB per row for 500
/// assets); tiling cuts the memory traffic by the number of tiles per row. Each entry is still
/// summed over t in ascending order, so the result is bitwise the same as the untiled loop.
public enum GramMatrix {
    /// The tile edge: 48² doubles = 18 KB.
    static let tile = 48

    /// scale · Σₜ wₜ xₜ xₜᵀ (wₜ = 1 without weights); symmetric.
    public static func compute(_ data: [Double], rows: Int, columns: Int, rowWeights: [Double]? = nil, scale: Double) -> Matrix {
        precondition(data.count == rows * columns, "the table has \(data.count) values for \(rows)×\(columns)")
        precondition(rowWeights == nil || rowWeights!.count == rows, "one weight per row")
        let n = columns, edge = tile
        var result = Matrix(rows: n, columns: n)
        var accumulator = [Double](repeating: 0, count: edge * edge)
        data.withUnsafeBufferPointer { table in
            accumulator.withUnsafeMutableBufferPointer { tileSums in
                result.elements.withUnsafeMutableBufferPointer { output in
                    for i0 in stride(from: 0, to: n, by: edge) {
                        let height = min(edge, n - i0)
                        for j0 in stride(from: i0, to: n, by: edge) {
                            let width = min(edge, n - j0)
                            for index in 0..<(edge * edge) { tileSums[index] = 0 }
                            for t in 0..<rows {
                                // Pointers, not indices: index arithmetic carries overflow checks that stop
                                // the inner loop from being vectorised.
                                let left = table.baseAddress! + t * n + i0
                                let right = table.baseAddress! + t * n + j0
                                let weight = rowWeights?[t] ?? 1
                                for a in 0..<height {
                                    let factor = weight * left[a]
                                    if factor == 0 { continue }
                                    let target = tileSums.baseAddress! + a * edge
                                    for b in 0..<width { target[b] += factor * right[b] }
                                }
                            }
                            for a in 0..<height {
                                for b in 0..<width {
                                    let value = tileSums[a * edge + b] * scale
                                    output[(i0 + a) * n + j0 + b] = value
                                    output[(j0 + b) * n + i0 + a] = value
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
