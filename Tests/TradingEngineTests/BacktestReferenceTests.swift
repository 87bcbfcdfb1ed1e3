import Foundation
import Testing
import TestSupport
import TradingCore
import TradingEngine

/// backtesting.py's results for the same sma-cross rules (scripts/reference/backtest.py).
struct BacktestFixture: Decodable {
    struct Results: Decodable, Sendable {
        let final_equity: Double
        let return_pct: Double
        let trade_count: Int
        let win_rate_pct: Double
        let max_drawdown_pct: Double
        let sharpe_ratio: Double
        let exposure_time_pct: Double
    }

    struct Trade: Decodable, Sendable {
        let entry_bar: Int
        let exit_bar: Int
        let size: Int
        let entry_price: Double
        let exit_price: Double
        let pnl: Double
    }

    struct Case: Decodable, Sendable, CustomStringConvertible {
        let name: String
        let data_file: String
        let symbol: String
        let fast: Int
        let slow: Int
        let cash: Double
        let commission: Double
        let allow_short: Bool
        let results: Results
        let trades: [Trade]
        var description: String { name }
    }

    let cases: [Case]

    static let shared: BacktestFixture = {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/TradingEngineTests/Fixtures/backtest_reference.json")
        return try! JSONDecoder().decode(BacktestFixture.self, from: Data(contentsOf: url))
    }()
}

@Suite("sma-cross against backtesting.py")
struct BacktestReferenceTests {
    static func bars(_ reference: BacktestFixture.Case) throws -> [Bar] {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent(reference.data_file)
        let timeframe: Timeframe = reference.data_file.contains("_1h_") ? .oneHour : .oneDay
        return try BarFileParser(timeframe: timeframe).parseOHLCV([UInt8](Data(contentsOf: url)), fileName: url.lastPathComponent).bars
    }

    @Test("the same trades (bars, sizes, prices), final equity within 0.5 % and the statistics", arguments: BacktestFixture.shared.cases)
    func matchesBacktestingPy(_ reference: BacktestFixture.Case) throws {
        let backtest = SMACrossBacktest(fast: reference.fast, slow: reference.slow, cash: FixedDecimal(approximating: reference.cash, fractionalDigits: 2)!,
                                        commission: FixedDecimal(approximating: reference.commission, fractionalDigits: 6)!, allowShort: reference.allow_short)
        let result = try backtest.run(try Self.bars(reference), symbol: Symbol(reference.symbol)!)
        #expect(result.trades.count == reference.results.trade_count)
        for (ours, theirs) in zip(result.trades, reference.trades) {
            #expect(ours.entryBar == theirs.entry_bar && ours.exitBar == theirs.exit_bar && ours.size == FixedDecimal(theirs.size),
                    "trade at bar \(theirs.entry_bar): ours \(ours.entryBar)…\(ours.exitBar) × \(ours.size)")
            #expect(agrees(ours.profit.doubleValue, theirs.pnl, relative: 1e-9))
        }
        let final = result.finalEquity.doubleValue
        #expect(abs(final - reference.results.final_equity) <= 0.005 * reference.results.final_equity, "\(final) vs \(reference.results.final_equity)")
        #expect(agrees(final, reference.results.final_equity, relative: 1e-9), "exact arithmetic should agree far inside 0.5 %")
        #expect(agrees(result.winRatePercent, reference.results.win_rate_pct, relative: 1e-9))
        #expect(agrees(result.exposurePercent, reference.results.exposure_time_pct, relative: 1e-9))
        #expect(agrees(result.maxDrawdownPercent, reference.results.max_drawdown_pct, relative: 1e-9))
        #expect(agrees(result.sharpeRatio, reference.results.sharpe_ratio, relative: 1e-6), "\(result.sharpeRatio) vs \(reference.results.sharpe_ratio)")
        #expect(result.ledger.trialBalance == .zero)
    }

    @Test("bad parameters and data are refused with the reason", arguments: [
        (10, 10, "slow (10) must be above fast (10)"), (0, 5, "fast must be at least 1"), (10, 9000, "needs at least 9000 + 2"),
    ])
    func badParameters(fast: Int, slow: Int, message: String) throws {
        let bars = try Self.bars(BacktestFixture.shared.cases[0])
        #expect {
            try SMACrossBacktest(fast: fast, slow: slow, cash: FixedDecimal(1000), commission: .zero).run(bars, symbol: Symbol("X")!)
        } throws: { error in
            String(describing: error).contains(message)
        }
    }

    @Test("no look-ahead: changing bars after t never changes the trades decided before t")
    func noLookAhead() throws {
        let reference = BacktestFixture.shared.cases[0]
        var bars = try Self.bars(reference)
        let backtest = SMACrossBacktest(fast: 10, slow: 30, cash: FixedDecimal(100_000), commission: FixedDecimal("0.002")!)
        let original = try backtest.run(bars, symbol: Symbol("X")!)
        // Scramble everything after bar 3000: trades closed by then must not change.
        for index in 3001..<bars.count {
            let price = Price(FixedDecimal(approximating: 100 + Double(index % 17) * 7.5, fractionalDigits: 2)!)
            bars[index] = try Bar(openTime: bars[index].openTime, open: price, high: price, low: price, close: price, volume: nil)
        }
        let altered = try backtest.run(bars, symbol: Symbol("X")!)
        let before = original.trades.filter { $0.exitBar <= 3000 }
        #expect(!before.isEmpty)
        for (a, b) in zip(before, altered.trades) {
            #expect(a.entryBar == b.entryBar && a.exitBar == b.exitBar && a.size == b.size && a.profit == b.profit)
        }
    }
}
