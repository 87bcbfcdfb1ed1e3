import Testing
import TradingCore
import TradingEngine

@Suite("Walk-forward optimisation and Monte Carlo")
struct ResearchToolsTests {
    static let bars = try! BacktestReferenceTests.bars(BacktestFixture.shared.cases[0])
    static let template = SMACrossBacktest(fast: 10, slow: 30, cash: FixedDecimal(100_000), commission: FixedDecimal("0.001")!)

    @Test("walk-forward rolls by the test window and trades only inside each test window")
    func walkForward() throws {
        let pairs = [(fast: 5, slow: 20), (fast: 10, slow: 40), (fast: 20, slow: 60)]
        let outcome = try ResearchTools.walkForward(Self.bars, symbol: Symbol("SP500")!, pairs: pairs, trainBars: 1500, testBars: 500, template: Self.template)
        #expect(outcome.windows.count == (Self.bars.count - 1500) / 500)
        for (index, window) in outcome.windows.enumerated() {
            #expect(window.testStart == Self.bars[1500 + index * 500].openTime)
            #expect(pairs.contains { $0.fast == window.fast && $0.slow == window.slow })
        }
        let chained = outcome.windows.reduce(1.0) { $0 * (1 + $1.outOfSampleReturnPercent / 100) }
        #expect(abs((chained - 1) * 100 - outcome.chainedReturnPercent) < 1e-9)
        // A test window sees warm-up bars but acts only inside the window.
        var backtest = Self.template
        backtest.fast = 20
        backtest.slow = 60
        let window = Array(Self.bars[(2000 - 61)..<2500])
        let result = try backtest.run(window, symbol: Symbol("SP500")!, tradingFrom: 61)
        #expect(result.trades.allSatisfy { $0.entryBar > 61 })
    }

    @Test("Monte Carlo: seeded, percentiles ordered, the real order's drawdown reported")
    func monteCarlo() throws {
        let result = try Self.template.run(Self.bars, symbol: Symbol("SP500")!)
        let first = try ResearchTools.monteCarlo(result, runs: 500)
        let second = try ResearchTools.monteCarlo(result, runs: 500)
        #expect(first.maxDrawdownPercentiles == second.maxDrawdownPercentiles)
        #expect(first.maxDrawdownPercentiles == first.maxDrawdownPercentiles.sorted())
        #expect(first.finalReturnPercentiles == first.finalReturnPercentiles.sorted())
        #expect(first.actualMaxDrawdownPercent <= 0 && first.actualMaxDrawdownPercent >= -100)
        #expect(throws: SMACrossBacktest.BacktestError.self) { try ResearchTools.monteCarlo(result, runs: 3) }
    }
}
