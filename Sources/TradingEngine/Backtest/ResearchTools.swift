import Foundation
import QuantMath
import TradingCore

/// Walk-forward optimisation and a Monte Carlo of trade order for the sma-cross backtest.
public enum ResearchTools {
    /// One walk-forward window: the parameters chosen in sample and the out-of-sample result.
    public struct Window: Sendable {
        public let trainStart: Timestamp
        public let testStart: Timestamp
        public let testEnd: Timestamp
        public let fast: Int
        public let slow: Int
        /// In-sample return of the chosen pair (what it was chosen on; not a result).
        public let inSampleReturnPercent: Double
        /// Out-of-sample return over the test window.
        public let outOfSampleReturnPercent: Double
        public let outOfSampleTrades: Int
    }

    /// Rolls a window of `trainBars` then `testBars`: on each training window every (fast, slow)
    /// pair is backtested and the pair with the highest final equity is run on the following test
    /// window (with the `slow` bars before it as warm-up, trading only inside it, starting from the
    /// same cash). Only the test windows are results; chaining their returns gives the
    /// out-of-sample equity.
    public static func walkForward(_ bars: [Bar], symbol: Symbol, pairs: [(fast: Int, slow: Int)], trainBars: Int, testBars: Int,
                                   template: SMACrossBacktest) throws(SMACrossBacktest.BacktestError) -> (windows: [Window], chainedReturnPercent: Double) {
        guard !pairs.isEmpty else { throw .invalidParameter("no (fast, slow) pair with slow > fast") }
        let longest = pairs.map(\.slow).max()!
        guard trainBars - 1 > longest else { throw .invalidParameter("the training window (\(trainBars) bars) must be longer than the slowest window \(longest) + 1") }
        guard testBars >= 2 else { throw .invalidParameter("the test window must have at least 2 bars") }
        guard trainBars > 0, bars.count - trainBars >= testBars else {
            throw .insufficientData("\(bars.count) bars; one training window and one test window need \(trainBars + testBars)")
        }
        var windows: [Window] = []
        var start = 0
        var chained = 1.0
        while start + trainBars + testBars <= bars.count {
            let train = Array(bars[start..<(start + trainBars)])
            var best: (pair: (fast: Int, slow: Int), result: SMACrossBacktest.Result)?
            for pair in pairs {
                var backtest = template
                backtest.fast = pair.fast
                backtest.slow = pair.slow
                let result = try backtest.run(train, symbol: symbol)
                if best == nil || result.finalEquity > best!.result.finalEquity { best = (pair, result) }
            }
            let chosen = best!
            let testStart = start + trainBars
            // Warm-up bars before the test window feed the averages; the signals they produce are ignored.
            let warmUp = chosen.pair.slow + 1
            var backtest = template
            backtest.fast = chosen.pair.fast
            backtest.slow = chosen.pair.slow
            let test = try backtest.run(Array(bars[(testStart - warmUp)..<(testStart + testBars)]), symbol: symbol, tradingFrom: warmUp)
            chained *= 1 + test.returnPercent / 100
            windows.append(Window(trainStart: bars[start].openTime, testStart: bars[testStart].openTime, testEnd: bars[testStart + testBars - 1].openTime,
                                  fast: chosen.pair.fast, slow: chosen.pair.slow, inSampleReturnPercent: chosen.result.returnPercent,
                                  outOfSampleReturnPercent: test.returnPercent, outOfSampleTrades: test.trades.count))
            start += testBars
        }
        return (windows, (chained - 1) * 100)
    }

    /// The distribution of outcomes if the same trades had come in another order.
    public struct MonteCarlo: Sendable {
        public let runs: Int
        /// Max drawdown (%, negative) percentiles 5, 50, 95 over random orders of the trades.
        public let maxDrawdownPercentiles: [Double]
        /// Final return (%) percentiles 5, 50, 95 over resamples of the trades with replacement.
        public let finalReturnPercentiles: [Double]
        /// The drawdown of the trades in their real order.
        public let actualMaxDrawdownPercent: Double
    }

    /// Shuffles the trades' returns (seeded) `runs` times and compounds them: the spread of the
    /// drawdown says how much of the backtest's drawdown was the luck of the order. Final returns
    /// do not depend on the order, so their spread comes from resampling with replacement.
    public static func monteCarlo(_ result: SMACrossBacktest.Result, runs: Int, seed: UInt64 = 7) throws(SMACrossBacktest.BacktestError) -> MonteCarlo {
        guard runs >= 10 else { throw .invalidParameter("at least 10 runs are needed, got \(runs)") }
        // Each trade's return on the equity it started with: profit / equity before entry.
        var equity = result.ledger.capital.doubleValue
        var returns: [Double] = []
        for trade in result.trades {
            returns.append(trade.profit.doubleValue / equity)
            equity += trade.profit.doubleValue
        }
        guard returns.count >= 2 else { throw .insufficientData("\(returns.count) trades; a Monte Carlo needs at least 2") }
        func drawdown(_ sequence: [Double]) -> Double {
            var wealth = 1.0, peak = 1.0, worst = 0.0
            for r in sequence {
                wealth *= 1 + r
                peak = max(peak, wealth)
                worst = max(worst, 1 - wealth / peak)
            }
            return -100 * worst
        }
        var generator = SeededGenerator(seed: seed)
        var drawdowns: [Double] = [], finals: [Double] = []
        for _ in 0..<runs {
            var shuffled = returns
            shuffled.shuffle(using: &generator)
            drawdowns.append(drawdown(shuffled))
            var wealth = 1.0
            for _ in returns.indices { wealth *= 1 + returns[Int(generator.next() % UInt64(returns.count))] }
            finals.append((wealth - 1) * 100)
        }
        drawdowns.sort()
        finals.sort()
        return MonteCarlo(runs: runs, maxDrawdownPercentiles: [0.05, 0.5, 0.95].map { Statistics.quantile(sorted: drawdowns, $0) },
                          finalReturnPercentiles: [0.05, 0.5, 0.95].map { Statistics.quantile(sorted: finals, $0) },
                          actualMaxDrawdownPercent: drawdown(returns))
    }
}
