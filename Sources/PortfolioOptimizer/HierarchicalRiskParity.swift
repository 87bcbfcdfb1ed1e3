import Foundation
import QuantMath

/// Hierarchical risk parity (López de Prado, 2016) with PyPortfolioOpt's `HRPOpt` conventions:
/// correlation distance dᵢⱼ = √(clip((1 − ρᵢⱼ)/2, 0, 1)), single-linkage clustering with scipy's
/// merge labelling (the cluster with the smaller id goes left), leaves in the dendrogram's
/// pre-order (scipy `to_tree(...).pre_order()`), then recursive bisection of that list into halves,
/// splitting weight by α = 1 − V₁/(V₁ + V₂) where V is the variance of a cluster's
/// inverse-variance portfolio. Long-only and fully invested by construction; it takes no
/// expected returns and needs no solver.
public enum HierarchicalRiskParity {
    /// One merge of the dendrogram, as a row of scipy's linkage matrix.
    public struct Merge: Sendable, Equatable {
        /// The left cluster id (leaves are 0..<n, the merge in row k creates cluster n + k).
        public let left: Int
        /// The right cluster id.
        public let right: Int
        /// The linkage distance.
        public let distance: Double
        /// Leaves in the new cluster.
        public let size: Int
    }

    /// The result: weights in asset order, the leaf order used, and the dendrogram.
    public struct Result: Sendable {
        /// Weights per asset (input order), summing to 1.
        public let weights: [Double]
        /// Asset indices in quasi-diagonal (dendrogram leaf) order.
        public let order: [Int]
        /// The single-linkage merges, nearest first.
        public let merges: [Merge]
    }

    /// HRP weights from a covariance matrix (any scale: the weights do not depend on it).
    public static func allocate(covariance: Matrix) throws(PortfolioError) -> Result {
        let n = covariance.rows
        guard n >= 2, covariance.isSquare else { throw .insufficientData("HRP needs at least two assets") }
        for index in 0..<n where !(covariance[index, index] > 0) {
            throw .invalidParameter("asset \(index) has variance \(covariance[index, index]); HRP needs positive variances")
        }
        var distance = Matrix(rows: n, columns: n)
        for row in 0..<n {
            for column in 0..<n where row != column {
                let correlation = covariance[row, column] / (covariance[row, row] * covariance[column, column]).squareRoot()
                distance[row, column] = min(max((1 - correlation) / 2, 0), 1).squareRoot()
            }
        }
        let merges = singleLinkage(distance)
        let order = preOrderLeaves(merges, leafCount: n)
        return Result(weights: bisect(order: order, covariance: covariance), order: order, merges: merges)
    }

    /// Single linkage through a minimum spanning tree (Prim, O(n²)) whose edges, sorted by length
    /// (stable), are merged with union-find, as scipy's `mst_single_linkage` and `label` do.
    static func singleLinkage(_ distance: Matrix) -> [Merge] {
        let n = distance.rows
        var inTree = [Bool](repeating: false, count: n)
        var nearest = [Double](repeating: .infinity, count: n)
        var edges: [(Int, Int, Double)] = []
        var current = 0
        inTree[0] = true
        var parentOf = [Int](repeating: 0, count: n)
        for _ in 1..<n {
            var best = -1
            for candidate in 0..<n where !inTree[candidate] {
                let length = distance[current, candidate]
                if length < nearest[candidate] {
                    nearest[candidate] = length
                    parentOf[candidate] = current
                }
                if best < 0 || nearest[candidate] < nearest[best] { best = candidate }
            }
            edges.append((parentOf[best], best, nearest[best]))
            inTree[best] = true
            current = best
        }
        let sorted = edges.enumerated().sorted { ($0.element.2, $0.offset) < ($1.element.2, $1.offset) }.map(\.element)

        // Union-find over cluster ids; every root remembers the id of the cluster it stands for.
        var parent = Array(0..<(2 * n - 1))
        var size = [Int](repeating: 1, count: 2 * n - 1)
        func root(_ node: Int) -> Int {
            var node = node
            while parent[node] != node {
                parent[node] = parent[parent[node]]
                node = parent[node]
            }
            return node
        }
        var merges: [Merge] = []
        for (offset, edge) in sorted.enumerated() {
            let a = root(edge.0), b = root(edge.1)
            let created = n + offset
            parent[a] = created
            parent[b] = created
            size[created] = size[a] + size[b]
            merges.append(Merge(left: min(a, b), right: max(a, b), distance: edge.2, size: size[created]))
        }
        return merges
    }

    /// Leaves of the dendrogram, left subtree first.
    static func preOrderLeaves(_ merges: [Merge], leafCount n: Int) -> [Int] {
        var order: [Int] = []
        var stack = [n + merges.count - 1]
        while let node = stack.popLast() {
            if node < n {
                order.append(node)
            } else {
                let merge = merges[node - n]
                stack.append(merge.right)
                stack.append(merge.left)
            }
        }
        return order
    }

    /// Recursive bisection of the ordered assets into halves (the first half has ⌊len/2⌋ items).
    static func bisect(order: [Int], covariance: Matrix) -> [Double] {
        var weights = [Double](repeating: 1, count: covariance.rows)
        var clusters: [ArraySlice<Int>] = [order[...]]
        while !clusters.isEmpty {
            var halves: [ArraySlice<Int>] = []
            for cluster in clusters where cluster.count > 1 {
                let middle = cluster.startIndex + cluster.count / 2
                halves.append(cluster[cluster.startIndex..<middle])
                halves.append(cluster[middle..<cluster.endIndex])
            }
            for pair in stride(from: 0, to: halves.count, by: 2) {
                let first = halves[pair], second = halves[pair + 1]
                let firstVariance = inverseVarianceVariance(first, covariance: covariance)
                let secondVariance = inverseVarianceVariance(second, covariance: covariance)
                let alpha = 1 - firstVariance / (firstVariance + secondVariance)
                for index in first { weights[index] *= alpha }
                for index in second { weights[index] *= 1 - alpha }
            }
            clusters = halves
        }
        return weights
    }

    /// The variance of the inverse-variance portfolio of a cluster.
    private static func inverseVarianceVariance(_ cluster: ArraySlice<Int>, covariance: Matrix) -> Double {
        let inverse = cluster.map { 1 / covariance[$0, $0] }
        let total = inverse.reduce(0, +)
        let weights = inverse.map { $0 / total }
        var variance = 0.0
        for (a, i) in cluster.enumerated() {
            for (b, j) in cluster.enumerated() { variance += weights[a] * covariance[i, j] * weights[b] }
        }
        return variance
    }
}
