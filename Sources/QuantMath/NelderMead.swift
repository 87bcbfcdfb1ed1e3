/// Derivative-free minimisation by the Nelder-Mead simplex method with the standard coefficients
/// (reflection 1, expansion 2, contraction ½, shrink ½; Lagarias et al., SIAM J. Optim. 9, 1998).
/// Used for small smooth problems (a GARCH likelihood in transformed coordinates) where a gradient
/// would cost more code than it saves time. Stops when the simplex's function values and points
/// both agree to the tolerances, or after `maximumEvaluations`.
public struct NelderMead: Sendable {
    /// Stop when max |f(xᵢ) − f(x₀)| ≤ this (absolute).
    public var functionTolerance: Double
    /// … and max |xᵢ − x₀| ≤ this (absolute, per coordinate).
    public var pointTolerance: Double
    /// The most function evaluations.
    public var maximumEvaluations: Int

    /// Creates a minimiser.
    public init(functionTolerance: Double = 1e-10, pointTolerance: Double = 1e-8, maximumEvaluations: Int = 20_000) {
        self.functionTolerance = functionTolerance
        self.pointTolerance = pointTolerance
        self.maximumEvaluations = maximumEvaluations
    }

    /// The result of a minimisation.
    public struct Result: Sendable {
        /// The best point found.
        public let point: [Double]
        /// f at that point.
        public let value: Double
        /// Function evaluations used.
        public let evaluations: Int
        /// Whether the tolerances were met (false: the evaluations ran out).
        public let converged: Bool
    }

    /// Minimises `function` from `start` with an initial simplex of `step` along each axis.
    /// Non-finite function values count as +∞, so a function may reject points outside its domain.
    public func minimize(_ function: ([Double]) -> Double, start: [Double], step: [Double]) -> Result {
        let n = start.count
        precondition(step.count == n && n > 0, "one step per coordinate")
        func evaluate(_ point: [Double]) -> Double {
            let value = function(point)
            return value.isFinite ? value : .infinity
        }
        var simplex = [start]
        for index in 0..<n {
            var vertex = start
            vertex[index] += step[index]
            simplex.append(vertex)
        }
        var values = simplex.map(evaluate)
        var evaluations = n + 1
        func combine(_ a: [Double], _ b: [Double], _ weight: Double) -> [Double] {
            (0..<n).map { a[$0] + weight * (b[$0] - a[$0]) }
        }
        while evaluations < maximumEvaluations {
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            let spread = values.last! - values[0]
            var size = 0.0
            for vertex in simplex.dropFirst() { for index in 0..<n { size = max(size, abs(vertex[index] - simplex[0][index])) } }
            if spread <= functionTolerance && size <= pointTolerance {
                return Result(point: simplex[0], value: values[0], evaluations: evaluations, converged: true)
            }
            var centroid = [Double](repeating: 0, count: n)
            for vertex in simplex.dropLast() { for index in 0..<n { centroid[index] += vertex[index] / Double(n) } }
            let worst = simplex[n]
            let reflected = combine(centroid, worst, -1)
            let reflectedValue = evaluate(reflected)
            evaluations += 1
            if reflectedValue < values[0] {
                let expanded = combine(centroid, worst, -2)
                let expandedValue = evaluate(expanded)
                evaluations += 1
                if expandedValue < reflectedValue {
                    simplex[n] = expanded
                    values[n] = expandedValue
                } else {
                    simplex[n] = reflected
                    values[n] = reflectedValue
                }
                continue
            }
            if reflectedValue < values[n - 1] {
                simplex[n] = reflected
                values[n] = reflectedValue
                continue
            }
            // Contract outside when the reflection beat the worst point, inside otherwise.
            let outside = reflectedValue < values[n]
            let contracted = outside ? combine(centroid, worst, -0.5) : combine(centroid, worst, 0.5)
            let contractedValue = evaluate(contracted)
            evaluations += 1
            if contractedValue < (outside ? reflectedValue : values[n]) {
                simplex[n] = contracted
                values[n] = contractedValue
                continue
            }
            for index in 1...n {
                simplex[index] = combine(simplex[0], simplex[index], 0.5)
                values[index] = evaluate(simplex[index])
            }
            evaluations += n
        }
        let best = values.indices.min { values[$0] < values[$1] }!
        return Result(point: simplex[best], value: values[best], evaluations: evaluations, converged: false)
    }
}
