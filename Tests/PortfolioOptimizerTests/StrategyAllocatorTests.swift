import PortfolioOptimizer
import QuantMath
import Testing
import TradingCore

@Suite("Strategies and risk levels")
struct StrategyAllocatorTests {
    static let allocator = StrategyAllocator(history: ReferenceFixture.history)

    @Test("every strategy at every risk level keeps the level's max weight, cash floor and volatility cap",
          arguments: AllocationStrategy.allCases, RiskLevel.allCases)
    func levelConstraintsHold(strategy: AllocationStrategy, level: RiskLevel) throws {
        let regimes: [MarketRegime?] = strategy == .tactical ? MarketRegime.allCases.map { $0 } : [nil]
        for regime in regimes {
            let result = try Self.allocator.allocate(strategy, riskLevel: level, regime: regime)
            let label = "\(strategy.rawValue)/\(level.rawValue)/\(regime?.rawValue ?? "-")"
            let total: Double = result.weights.reduce(0, +) + result.cashWeight
            #expect(abs(total - 1) < 1e-9, "\(label) does not add up")
            #expect(result.weights.allSatisfy { $0 >= 0 && $0 <= level.maximumWeight + 1e-9 }, "\(label) breaks the max weight")
            #expect(result.cashWeight >= level.cashFloor - 1e-9, "\(label) keeps too little cash")
            if let cap = level.volatilityCap { #expect(result.volatility <= cap + 1e-9, "\(label) volatility \(result.volatility)") }
        }
    }

    @Test("CONSERVATIVE is the capped min-volatility sleeve scaled to the invested fraction")
    func conservativeIsMinimumVolatility() throws {
        let result = try Self.allocator.allocate(.conservative, riskLevel: .veryHigh)
        let returns = ReferenceFixture.history.simpleReturns
        let optimizer = try PortfolioOptimizer(expectedReturns: ExpectedReturns.estimate(returns, method: .cagr),
                                               covariance: CovarianceEstimator.estimate(returns, method: .ledoitWolf))
        let direct = try optimizer.optimize(.minimumVolatility, constraints: PortfolioConstraints(assetCount: 20, maximumWeight: 0.6))
        #expect(result.cashWeight == 0)
        for index in 0..<20 { #expect(abs(result.weights[index] - direct.weights[index]) < 1e-9) }
    }

    @Test("a riskier level never gets a lower-volatility portfolio for the same strategy", arguments: [AllocationStrategy.conservative, .aggressive])
    func volatilityRisesWithLevel(strategy: AllocationStrategy) throws {
        let volatilities = try RiskLevel.allCases.map { try Self.allocator.allocate(strategy, riskLevel: $0).volatility }
        for index in 1..<volatilities.count { #expect(volatilities[index] >= volatilities[index - 1] - 1e-12, "\(volatilities)") }
    }

    @Test("TACTICAL without a regime, and MOMENTUM without a year of prices, are refused with the reason")
    func missingInputsAreNamed() throws {
        #expect(throws: PortfolioError.self) { try Self.allocator.allocate(.tactical, riskLevel: .medium) }
        let history = ReferenceFixture.history
        let short = try PriceHistory(symbols: history.symbols, dates: Array(history.dates.suffix(100)), prices: Array(history.prices.suffix(100)))
        #expect {
            try StrategyAllocator(history: short).allocate(.momentum, riskLevel: .medium)
        } throws: { error in
            String(describing: error).contains("MOMENTUM needs 253 prices, the window has 100")
        }
    }
}
