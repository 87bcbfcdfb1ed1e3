import TradingCore
import PortfolioOptimizer
import QuantMath
import Testing
import TestSupport

@Suite("Objectives against PyPortfolioOpt")
struct OptimizerReferenceTests {
    static let fixture = ReferenceFixture.shared

    static func optimizer() throws -> PortfolioOptimizer {
        let returns = ReferenceFixture.history.simpleReturns
        return try PortfolioOptimizer(expectedReturns: ExpectedReturns.estimate(returns, method: .cagr),
                                      covariance: CovarianceEstimator.estimate(returns, method: .sample))
    }

    static func objective(_ reference: ReferenceFixture.Case) -> PortfolioObjective {
        switch reference.objective {
        case "min_volatility": .minimumVolatility
        case "max_sharpe": .maximumSharpe(riskFreeRate: reference.parameters["risk_free_rate"]!)
        case "efficient_return": .efficientReturn(targetReturn: reference.parameters["target_return"]!)
        case "efficient_risk": .efficientRisk(targetVolatility: reference.parameters["target_volatility"]!)
        default: .maximumQuadraticUtility(riskAversion: reference.parameters["risk_aversion"]!)
        }
    }

    @Test("weights within 1e-4 and performance within 1e-6 relative of the reference", arguments: fixture.cases)
    func matchesReference(reference: ReferenceFixture.Case) throws {
        let optimizer = try Self.optimizer()
        let n = reference.weights.count
        let constraints = PortfolioConstraints(assetCount: n, minimumWeight: reference.lowerBound, maximumWeight: reference.upperBound,
                                               l2Gamma: reference.l2Gamma ?? 0)
        let result = try optimizer.optimize(Self.objective(reference), constraints: constraints, riskFreeRate: Self.fixture.riskFreeRate)
        for index in 0..<n {
            #expect(abs(result.weights[index] - reference.weights[index]) <= 1e-4,
                    "\(reference.name) \(Self.fixture.tickers[index]): \(result.weights[index]) vs \(reference.weights[index])")
        }
        // The optimal objective value agrees to 1e-6 relative, and ours is never worse than the
        // reference's by more than that (derived figures such as the min-volatility portfolio's
        // return move more, because the objective is flat near the optimum: they get 1e-4).
        let ours = Self.objectiveValue(reference, optimizer: optimizer, weights: result.weights)
        let theirs = Self.objectiveValue(reference, optimizer: optimizer, weights: reference.weights)
        #expect(agrees(ours, theirs, relative: 1e-6), "\(reference.name) objective \(ours) vs \(theirs)")
        #expect(agrees(result.expectedReturn, reference.expectedReturn, relative: 1e-4), "return \(result.expectedReturn) vs \(reference.expectedReturn)")
        #expect(agrees(result.volatility, reference.volatility, relative: 1e-6), "volatility \(result.volatility) vs \(reference.volatility)")
        #expect(agrees(result.sharpe, reference.sharpe, relative: 1e-4), "sharpe \(result.sharpe) vs \(reference.sharpe)")
        // Invariants: fully invested, inside the bounds.
        #expect(abs(result.weights.reduce(0, +) - 1) < 1e-9)
        #expect(result.weights.allSatisfy { $0 >= reference.lowerBound - 1e-9 && $0 <= reference.upperBound + 1e-9 })
    }

    /// The value each objective optimises, written so that smaller is better.
    static func objectiveValue(_ reference: ReferenceFixture.Case, optimizer: PortfolioOptimizer, weights: [Double]) -> Double {
        let variance = optimizer.covariance.quadraticForm(weights)
        let expected = Vector.dot(optimizer.expectedReturns, weights)
        let l2 = (reference.l2Gamma ?? 0) * Vector.dot(weights, weights)
        switch reference.objective {
        case "min_volatility", "efficient_return": return variance + l2
        case "max_sharpe": return -(expected - reference.parameters["risk_free_rate"]!) / variance.squareRoot()
        case "efficient_risk": return -expected
        default: return -(expected - reference.parameters["risk_aversion"]! / 2 * variance) + l2
        }
    }

    @Test("the efficient frontier is monotone: more return costs more volatility")
    func frontierIsMonotone() throws {
        let optimizer = try Self.optimizer()
        let constraints = PortfolioConstraints(assetCount: 20)
        let minimum = try optimizer.optimize(.minimumVolatility, constraints: constraints)
        let top = try optimizer.returnRange(constraints).highest
        var previous = minimum.volatility
        for step in 1...8 {
            let target = minimum.expectedReturn + (top - minimum.expectedReturn) * Double(step) / 9
            let point = try optimizer.optimize(.efficientReturn(targetReturn: target), constraints: constraints)
            #expect(point.volatility >= previous - 1e-9)
            #expect(point.expectedReturn >= target - 1e-8)
            previous = point.volatility
        }
    }

    @Test("max Sharpe when only one asset beats the rate but the weight cap forces three into the portfolio: no portfolio beats it, said so, not a solver failure")
    func maximumSharpeUnderACapThatNoPortfolioBeats() throws {
        // The inputs of a decision lost in the month-long soak (four assets, MEDIUM's cap of a third).
        let covariance = Matrix([[0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 0.5, 0], [0, 0, 0, 0.5]])
        let capped = PortfolioConstraints(assetCount: 4, maximumWeight: 1.0 / 3)
        let losing = try PortfolioOptimizer(expectedReturns: [2.3, -4.7, -11.5, -8.2], covariance: covariance)
        let best = (2.3 - 4.7 - 8.2) / 3
        do {
            _ = try losing.optimize(.maximumSharpe(riskFreeRate: 0.02), constraints: capped)
            Issue.record("a portfolio was found where none beats the rate")
        } catch {
            guard case .noAssetBeatsRiskFreeRate(let rate, let bestReturn) = error else { Issue.record("\(error)"); return }
            #expect(rate == 0.02 && abs(bestReturn - best) < 1e-12)
        }
        // Uncapped, the one asset alone beats it; and with the others less bad, the capped portfolio does too.
        #expect(try losing.optimize(.maximumSharpe(riskFreeRate: 0.02), constraints: PortfolioConstraints(assetCount: 4)).weights[0] > 0.999)
        let winning = try PortfolioOptimizer(expectedReturns: [2.3, -0.1, -0.2, -0.3], covariance: covariance)
        let weights = try winning.optimize(.maximumSharpe(riskFreeRate: 0.02), constraints: capped).weights
        #expect(abs(weights.reduce(0, +) - 1) < 1e-6 && weights.allSatisfy { $0 <= 1.0 / 3 + 1e-6 })
    }

    @Test("infeasible requests say why and give the feasible range")
    func infeasible() throws {
        let optimizer = try Self.optimizer()
        let constraints = PortfolioConstraints(assetCount: 20)
        let range = try optimizer.returnRange(constraints)
        #expect(throws: PortfolioError.targetReturnUnreachable(target: 5, lowest: range.lowest, highest: range.highest)) {
            try optimizer.optimize(.efficientReturn(targetReturn: 5), constraints: constraints)
        }
        #expect(throws: PortfolioError.infeasibleBounds(requiredTotal: 1, lowestTotal: 0, highestTotal: [Double](repeating: 0.04, count: 20).reduce(0, +))) {
            try optimizer.optimize(.minimumVolatility, constraints: PortfolioConstraints(assetCount: 20, maximumWeight: 0.04))
        }
        #expect(throws: PortfolioError.noAssetBeatsRiskFreeRate(riskFreeRate: 10, bestExpectedReturn: optimizer.expectedReturns.max()!)) {
            try optimizer.optimize(.maximumSharpe(riskFreeRate: 10), constraints: constraints)
        }
        do {
            _ = try optimizer.optimize(.efficientRisk(targetVolatility: 0.01), constraints: constraints)
            Issue.record("accepted an impossible volatility")
        } catch {
            guard case .targetVolatilityUnreachable(_, let lowest, let highest) = error else { Issue.record("\(error)"); return }
            #expect(lowest > 0.12 && highest > lowest)
            #expect(error.description.contains("ranges from"))
        }
    }

    @Test("bad price data names the symbol and the date")
    func badPrices() throws {
        #expect(throws: PortfolioError.missingPrice(symbol: "B", date: "2024-01-02T00:00:00Z")) {
            try PriceHistory(symbols: ["A", "B"], dates: ["2024-01-01", "2024-01-02", "2024-01-03"].map { .init(iso8601: $0)! },
                             prices: [[1, 2], [1.1, .nan], [1.2, 2.2]])
        }
        #expect(throws: PortfolioError.constantSeries(symbol: "A")) {
            try PriceHistory(symbols: ["A", "B"], dates: ["2024-01-01", "2024-01-02", "2024-01-03"].map { .init(iso8601: $0)! },
                             prices: [[1, 2], [1, 2.1], [1, 2.2]])
        }
        #expect(throws: PortfolioError.insufficientData("at least two assets are needed, got 1")) {
            try PriceHistory(symbols: ["A"], dates: [], prices: [])
        }
    }
}
