import Foundation
import Testing
import TestSupport
import TradingCore
import TradingEngine

/// Every digit of the sma-cross results recorded before the fill path was made faster
/// (scripts/reference/backtest_digits.py, binary of commit 1380aef).
struct BacktestDigits: Decodable {
    struct Result: Decodable, Sendable {
        let final_equity: String
        let fees: String
        let return_pct: Double
        let sharpe_ratio: Double
        let max_drawdown_pct: Double
        let exposure_pct: Double
        let win_rate_pct: Double
        let trades: Int
    }

    struct Case: Decodable, Sendable, CustomStringConvertible {
        let name: String
        let data: String
        let fast: Int
        let slow: Int
        let cash: String
        let commission: String
        let allow_short: Bool
        let result: Result
        let trades_csv_fnv1a64: String
        let trades_csv_lines: Int
        var description: String { name }
    }

    let cases: [Case]

    static let shared: BacktestDigits = {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/TradingEngineTests/Fixtures/backtest_digits.json")
        return try! JSONDecoder().decode(BacktestDigits.self, from: Data(contentsOf: url))
    }()
}

@Suite("sma-cross digits kept")
struct BacktestDigitsTests {
    /// The trade list as `orchestrator backtest --trades` writes it, hashed as the script hashes the file.
    static func tradesHash(_ trades: [SMACrossBacktest.Trade]) -> (hash: String, lines: Int) {
        var text = "entry_time,exit_time,size,entry_price,exit_price,profit,commission\n"
        for trade in trades {
            text += "\(trade.entryTime.iso8601),\(trade.exitTime.iso8601),\(trade.size),\(trade.entryPrice),\(trade.exitPrice),\(trade.profit),\(trade.commission)\n"
        }
        return (FNV1a.hexadecimal64(text.utf8), trades.count + 1)
    }

    @Test("the same trades and the same digits as before the fill path was made faster, with and without the journal",
          arguments: BacktestDigits.shared.cases, [true, false])
    func digitsKept(recorded: BacktestDigits.Case, keepsJournal: Bool) throws {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent(recorded.data)
        let timeframe: Timeframe = recorded.data.contains("_1h_") ? .oneHour : .oneDay
        let bars = try BarFileParser(timeframe: timeframe).parseOHLCV([UInt8](Data(contentsOf: url)), fileName: url.lastPathComponent).bars
        let backtest = SMACrossBacktest(fast: recorded.fast, slow: recorded.slow, cash: FixedDecimal(recorded.cash)!, commission: FixedDecimal(recorded.commission)!,
                                        allowShort: recorded.allow_short, keepsJournal: keepsJournal)
        let result = try backtest.run(bars, symbol: Symbol("DATA")!)
        #expect(result.finalEquity.description == recorded.result.final_equity)
        #expect(result.ledger.fees.description == recorded.result.fees)
        #expect(result.trades.count == recorded.result.trades)
        #expect(result.returnPercent == recorded.result.return_pct)
        #expect(result.sharpeRatio == recorded.result.sharpe_ratio)
        #expect(result.maxDrawdownPercent == recorded.result.max_drawdown_pct)
        #expect(result.exposurePercent == recorded.result.exposure_pct)
        #expect(result.winRatePercent == recorded.result.win_rate_pct)
        let trades = Self.tradesHash(result.trades)
        #expect(trades.hash == recorded.trades_csv_fnv1a64 && trades.lines == recorded.trades_csv_lines)
        // The journal is the only difference: kept, it balances; not kept, there is none.
        #expect(result.ledger.trialBalance == .zero)
        #expect(result.ledger.entries.isEmpty == !keepsJournal)
    }
}
