import QuantMath

/// Mean-variance optimisation with PyPortfolioOpt's formulations, solved by our interior-point QP
/// solver. Weights always sum to 1 (fully invested).
public struct PortfolioOptimizer: Sendable {
    /// Annual expected returns μ.
    public let expectedReturns: [Double]
    /// Annual covariance Σ.
    public let covariance: Matrix
    /// The QP solver.
    public var solver = InteriorPointSolver()

    /// Creates an optimiser; Σ must be square, symmetric and the size of μ.
    public init(expectedReturns: [Double], covariance: Matrix) throws(PortfolioError) {
        guard expectedReturns.count >= 2 else { throw .insufficientData("at least two assets are needed") }
        guard covariance.rows == expectedReturns.count, covariance.isSquare else {
            throw .invalidParameter("the covariance is \(covariance.rows)×\(covariance.columns) for \(expectedReturns.count) assets")
        }
        guard expectedReturns.allSatisfy(\.isFinite), covariance.elements.allSatisfy(\.isFinite) else {
            throw .invalidParameter("expected returns and covariance must be finite")
        }
        self.expectedReturns = expectedReturns
        self.covariance = covariance
    }

    private var assetCount: Int { expectedReturns.count }

    /// Optimises for an objective under constraints; `riskFreeRate` is used for the reported Sharpe ratio.
    public func optimize(_ objective: PortfolioObjective, constraints: PortfolioConstraints,
                         riskFreeRate: Double = 0.02) throws(PortfolioError) -> PortfolioAllocation {
        try checkConstraints(constraints)
        if !objective.honoursConstraints && !constraints.isPlainLongOnly {
            throw .invalidParameter("risk parity and HRP are long-only and fully invested by construction; they take no weight bounds, groups, L2 or turnover penalty")
        }
        let (weights, iterations): ([Double], Int)
        switch objective {
        case .minimumVolatility:
            (weights, iterations) = try solveMeanVariance(riskAversion: 2, returnWeight: 0, constraints: constraints)
        case .maximumQuadraticUtility(let riskAversion):
            guard riskAversion > 0, riskAversion.isFinite else { throw .invalidParameter("risk aversion must be positive, got \(riskAversion)") }
            (weights, iterations) = try solveMeanVariance(riskAversion: riskAversion, returnWeight: 1, constraints: constraints)
        case .efficientReturn(let target):
            let range = try returnRange(constraints)
            guard target <= range.highest + 1e-12 else {
                throw .targetReturnUnreachable(target: target, lowest: range.lowest, highest: range.highest)
            }
            (weights, iterations) = try solveMeanVariance(riskAversion: 2, returnWeight: 0, constraints: constraints, minimumReturn: target)
        case .efficientRisk(let target):
            (weights, iterations) = try solveEfficientRisk(targetVolatility: target, constraints: constraints)
        case .maximumSharpe(let rate):
            guard constraints.turnover == nil else {
                throw .invalidParameter("max Sharpe cannot take a turnover penalty: the change of variables would scale it; use max-utility or efficient-risk")
            }
            (weights, iterations) = try solveMaximumSharpe(riskFreeRate: rate, constraints: constraints)
        case .riskParity(let budgets):
            (weights, iterations) = try RiskParity().weights(covariance: covariance, budgets: budgets)
        case .hierarchicalRiskParity:
            (weights, iterations) = (try HierarchicalRiskParity.allocate(covariance: covariance).weights, 0)
        }
        return allocation(weights, riskFreeRate: {
            if case .maximumSharpe(let rate) = objective { return rate }
            return riskFreeRate
        }(), iterations: iterations)
    }

    /// The expected return, volatility and Sharpe ratio of given weights.
    public func allocation(_ weights: [Double], riskFreeRate: Double, iterations: Int = 0) -> PortfolioAllocation {
        let expected = Vector.dot(expectedReturns, weights)
        let volatility = max(covariance.quadraticForm(weights), 0).squareRoot()
        return PortfolioAllocation(weights: weights, expectedReturn: expected, volatility: volatility,
                                   sharpe: (expected - riskFreeRate) / volatility, iterations: iterations)
    }

    // MARK: Problems

    /// min (δ/2) wᵀΣw + γ‖w‖² − c·μᵀw + k‖w − w₀‖₁  s.t. Σw = 1, bounds, groups, and μᵀw ≥ minimumReturn when given.
    private func solveMeanVariance(riskAversion: Double, returnWeight: Double, constraints: PortfolioConstraints,
                                   minimumReturn: Double? = nil) throws(PortfolioError) -> ([Double], Int) {
        let n = assetCount
        // With a turnover penalty the variables are (w, t) with tᵢ ≥ |wᵢ − w₀ᵢ|, and k·Σt is minimised.
        let size = constraints.turnover == nil ? n : 2 * n
        var quadratic = Matrix(rows: size, columns: size)
        for row in 0..<n {
            for column in 0..<n { quadratic[row, column] = riskAversion * covariance[row, column] }
            quadratic[row, row] += 2 * constraints.l2Gamma
        }
        var linear = [Double](repeating: 0, count: size)
        for index in 0..<n { linear[index] = -returnWeight * expectedReturns[index] }
        var problem = QuadraticProgram(quadratic: quadratic, linear: linear)
        problem.addEquality(padded([Double](repeating: 1, count: n), to: size), equals: 1)
        if let minimumReturn { problem.addInequality(padded(expectedReturns.map { -$0 }, to: size), atMost: -minimumReturn) }
        for group in constraints.groups {
            var row = [Double](repeating: 0, count: size)
            for member in group.members { row[member] = 1 }
            if group.maximum.isFinite { problem.addInequality(row, atMost: group.maximum) }
            if group.minimum.isFinite { problem.addInequality(row.map { -$0 }, atMost: -group.minimum) }
        }
        for index in 0..<n {
            problem.lowerBounds[index] = constraints.lowerBounds[index]
            problem.upperBounds[index] = constraints.upperBounds[index]
        }
        if let turnover = constraints.turnover {
            for index in 0..<n {
                problem.linear[n + index] = turnover.cost
                problem.lowerBounds[n + index] = 0
                // wᵢ − tᵢ ≤ w₀ᵢ and −wᵢ − tᵢ ≤ −w₀ᵢ.
                var above = [Double](repeating: 0, count: size)
                above[index] = 1
                above[n + index] = -1
                problem.addInequality(above, atMost: turnover.currentWeights[index])
                above[index] = -1
                problem.addInequality(above, atMost: -turnover.currentWeights[index])
            }
        }
        let solution = try solve(problem)
        return (Array(solution.x.prefix(n)), solution.iterations)
    }

    private func padded(_ row: [Double], to size: Int) -> [Double] {
        row.count == size ? row : row + [Double](repeating: 0, count: size - row.count)
    }

    /// Max Sharpe by y = k·w: min yᵀΣy s.t. (μ − rf)ᵀy = 1, Σy = k, k ≥ 0, lᵢk ≤ yᵢ ≤ uᵢk; w = y/k.
    private func solveMaximumSharpe(riskFreeRate: Double, constraints: PortfolioConstraints) throws(PortfolioError) -> ([Double], Int) {
        // The best return the constraints allow, not the best asset's: with four assets capped at a
        // third each, three at least are held, and when only one beats the rate no portfolio does.
        // The scaled problem below then has no solution, and the solver failed on it ("equality
        // constraints linearly dependent", or no convergence) instead of this saying why (found by
        // the month-long soak: 16 decisions of a live run lost that way). The margin keeps k = 1/excess finite.
        let best = try returnRange(constraints).highest
        guard best > riskFreeRate + 1e-9 * max(1, abs(riskFreeRate)) else {
            throw .noAssetBeatsRiskFreeRate(riskFreeRate: riskFreeRate, bestExpectedReturn: best)
        }
        let n = assetCount
        var quadratic = Matrix(rows: n + 1, columns: n + 1)
        for row in 0..<n { for column in 0..<n { quadratic[row, column] = 2 * covariance[row, column] } }
        var problem = QuadraticProgram(quadratic: quadratic, linear: [Double](repeating: 0, count: n + 1))
        problem.addEquality(expectedReturns.map { $0 - riskFreeRate } + [0], equals: 1)
        problem.addEquality([Double](repeating: 1, count: n) + [-1], equals: 0)
        problem.lowerBounds[n] = 0
        // lᵢk ≤ yᵢ ≤ uᵢk. A zero lower bound is the plain bound yᵢ ≥ 0, and with every lᵢ ≥ 0 an upper
        // bound of 1 or more is implied by Σy = k; neither needs a row, which keeps the QP small.
        let longOnly = constraints.lowerBounds.allSatisfy { $0 >= 0 }
        for index in 0..<n {
            let lowerBound = constraints.lowerBounds[index], upperBound = constraints.upperBounds[index]
            if lowerBound == 0 {
                problem.lowerBounds[index] = 0
            } else if lowerBound.isFinite {
                var lower = [Double](repeating: 0, count: n + 1)
                lower[index] = -1
                lower[n] = lowerBound
                problem.addInequality(lower, atMost: 0)
            }
            if upperBound.isFinite && !(longOnly && upperBound >= 1) {
                var upper = [Double](repeating: 0, count: n + 1)
                upper[index] = 1
                upper[n] = -upperBound
                problem.addInequality(upper, atMost: 0)
            }
        }
        // Group totals scale with k as well: Σ_g y ≤ max·k and Σ_g y ≥ min·k.
        for group in constraints.groups {
            var row = [Double](repeating: 0, count: n + 1)
            for member in group.members { row[member] = 1 }
            if group.maximum.isFinite {
                row[n] = -group.maximum
                problem.addInequality(row, atMost: 0)
            }
            if group.minimum.isFinite {
                row[n] = -group.minimum
                problem.addInequality(row.map { -$0 }, atMost: 0)
            }
        }
        let solution = try solve(problem)
        let k = solution.x[n]
        guard k > 0 else { throw .solverFailed("the scaled problem returned k = \(k)") }
        return (solution.x.prefix(n).map { $0 / k }, solution.iterations)
    }

    /// Max return at a volatility: the max-utility portfolio whose volatility equals the target,
    /// found by bisection on log δ (volatility falls as δ rises along the efficient frontier).
    private func solveEfficientRisk(targetVolatility: Double, constraints: PortfolioConstraints) throws(PortfolioError) -> ([Double], Int) {
        guard targetVolatility > 0, targetVolatility.isFinite else { throw .invalidParameter("target volatility must be positive") }
        var iterations = 0
        let minimum = try solveMeanVariance(riskAversion: 2, returnWeight: 0, constraints: constraints)
        iterations += minimum.1
        let lowest = allocation(minimum.0, riskFreeRate: 0).volatility
        // The highest return the constraints allow (an LP), where the frontier ends.
        let topReturn = try highestReturnPortfolio(constraints)
        iterations += topReturn.1
        let highest = allocation(topReturn.0, riskFreeRate: 0).volatility
        guard targetVolatility >= lowest - 1e-12 else {
            throw .targetVolatilityUnreachable(target: targetVolatility, lowest: lowest, highest: highest)
        }
        if targetVolatility >= highest { return (topReturn.0, iterations) }
        var lowAversion = 1e-6, highAversion = 1e6
        var best = minimum.0
        for _ in 0..<200 {
            let aversion = (lowAversion * highAversion).squareRoot()
            let candidate = try solveMeanVariance(riskAversion: aversion, returnWeight: 1, constraints: constraints)
            iterations += candidate.1
            let volatility = allocation(candidate.0, riskFreeRate: 0).volatility
            best = candidate.0
            if abs(volatility - targetVolatility) <= 1e-11 * targetVolatility { break }
            if volatility > targetVolatility { lowAversion = aversion } else { highAversion = aversion }
            if highAversion / lowAversion < 1 + 1e-14 { break }
        }
        return (best, iterations)
    }

    /// The portfolio with the highest expected return under the constraints (a linear program).
    private func highestReturnPortfolio(_ constraints: PortfolioConstraints) throws(PortfolioError) -> ([Double], Int) {
        // A tiny variance term keeps the LP's solution unique and the interior point well scaled;
        // it moves the result by far less than the tolerances downstream.
        let (weights, iterations) = try solveMeanVariance(riskAversion: 1e-9, returnWeight: 1, constraints: constraints)
        return (weights, iterations)
    }

    /// The lowest and highest expected return the constraints allow with Σw = 1: greedy (exact)
    /// for box constraints, two linear programs when group bounds are present.
    public func returnRange(_ constraints: PortfolioConstraints) throws(PortfolioError) -> (lowest: Double, highest: Double) {
        try checkConstraints(constraints)
        if !constraints.groups.isEmpty {
            var plain = constraints
            plain.turnover = nil
            plain.l2Gamma = 0
            let highest = try solveMeanVariance(riskAversion: 1e-9, returnWeight: 1, constraints: plain).0
            let lowest = try solveMeanVariance(riskAversion: 1e-9, returnWeight: -1, constraints: plain).0
            return (Vector.dot(lowest, expectedReturns), Vector.dot(highest, expectedReturns))
        }
        func extreme(highestFirst: Bool) -> Double {
            var weights = constraints.lowerBounds
            var remaining = 1 - weights.reduce(0, +)
            let order = expectedReturns.indices.sorted { highestFirst ? expectedReturns[$0] > expectedReturns[$1] : expectedReturns[$0] < expectedReturns[$1] }
            for index in order where remaining > 0 {
                let room = constraints.upperBounds[index] - weights[index]
                let added = min(room, remaining)
                weights[index] += added
                remaining -= added
            }
            return Vector.dot(weights, expectedReturns)
        }
        return (extreme(highestFirst: false), extreme(highestFirst: true))
    }

    private func checkConstraints(_ constraints: PortfolioConstraints) throws(PortfolioError) {
        guard constraints.lowerBounds.count == assetCount, constraints.upperBounds.count == assetCount else {
            throw .invalidParameter("bounds must have one entry per asset")
        }
        for index in 0..<assetCount where constraints.lowerBounds[index] > constraints.upperBounds[index] {
            throw .invalidParameter("asset \(index): lower bound \(constraints.lowerBounds[index]) is above upper bound \(constraints.upperBounds[index])")
        }
        guard constraints.l2Gamma >= 0, constraints.l2Gamma.isFinite else { throw .invalidParameter("L2 gamma must be ≥ 0") }
        let lowest = constraints.lowerBounds.reduce(0, +), highest = constraints.upperBounds.reduce(0, +)
        guard lowest <= 1 + 1e-12, highest >= 1 - 1e-12 else {
            throw .infeasibleBounds(requiredTotal: 1, lowestTotal: lowest, highestTotal: highest)
        }
        for group in constraints.groups {
            guard !group.members.isEmpty, group.members.allSatisfy({ (0..<assetCount).contains($0) }) else {
                throw .invalidParameter("group \(group.name) must name at least one asset, by index below \(assetCount)")
            }
            guard group.minimum <= group.maximum, !group.minimum.isNaN, !group.maximum.isNaN else {
                throw .invalidParameter("group \(group.name): minimum \(group.minimum) is above maximum \(group.maximum)")
            }
            let memberLowest = group.members.reduce(0) { $0 + constraints.lowerBounds[$1] }
            let memberHighest = group.members.reduce(0) { $0 + constraints.upperBounds[$1] }
            guard group.minimum <= memberHighest + 1e-12, group.maximum >= memberLowest - 1e-12 else {
                throw .infeasibleGroup(name: group.name, minimum: group.minimum, maximum: group.maximum,
                                       lowestTotal: memberLowest, highestTotal: memberHighest)
            }
        }
        if let turnover = constraints.turnover {
            guard turnover.currentWeights.count == assetCount, turnover.currentWeights.allSatisfy(\.isFinite) else {
                throw .invalidParameter("current weights must be \(assetCount) finite numbers")
            }
            guard turnover.cost >= 0, turnover.cost.isFinite else { throw .invalidParameter("turnover cost must be ≥ 0") }
        }
    }

    private func solve(_ problem: QuadraticProgram) throws(PortfolioError) -> QuadraticProgramSolution {
        do {
            return try solver.solve(problem)
        } catch {
            throw .solverFailed(error.description)
        }
    }
}
