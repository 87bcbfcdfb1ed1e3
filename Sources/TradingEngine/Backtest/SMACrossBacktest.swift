import Foundation
import TradingCore

/// The classic moving-average crossover, simulated with backtesting.py's rules (checked against
/// backtesting.py 0.6.6 by `scripts/reference/backtest.py`) and exact fixed-point accounting:
///
/// * SMAₙ[i] = mean of the last n closes; a cross up at bar i is fast[i−1] < slow[i−1] and
///   fast[i] > slow[i] (strict on both bars), a cross down the mirror image.
/// * On a cross the open position is closed and a new one opened (long on a cross up; short on a
///   cross down only with `allowShort`), both at the next bar's open (± slippage), the close first.
/// * Size: ⌊E / (p·(1 + c))⌋ whole units, E the equity after the close, p the fill price, c the
///   commission fraction, charged on the notional of every fill.
/// * A position still open after the last bar is closed at that bar's open (backtesting.py's
///   `finalize_trades`). Unlike backtesting.py, a signal on the last bar places no order: there is
///   no later bar to fill it, and filling it at that bar's open would use a price from before the
///   signal.
public struct SMACrossBacktest: Sendable {
    public var fast: Int
    public var slow: Int
    public var cash: FixedDecimal
    /// Commission as a fraction of notional (0.002 = 0.2 %).
    public var commission: FixedDecimal
    /// Slippage in basis points: buys fill this much above the open, sells below.
    public var slippageBasisPoints: FixedDecimal
    public var allowShort: Bool
    /// Whether the result's ledger keeps the journal of every fill (its balances are the same
    /// either way); a sweep or a summary needs only the totals.
    public var keepsJournal: Bool

    /// Creates a backtest; `validate` checks the parameters.
    public init(fast: Int, slow: Int, cash: FixedDecimal, commission: FixedDecimal, slippageBasisPoints: FixedDecimal = .zero, allowShort: Bool = false,
                keepsJournal: Bool = true) {
        self.fast = fast
        self.slow = slow
        self.cash = cash
        self.commission = commission
        self.slippageBasisPoints = slippageBasisPoints
        self.allowShort = allowShort
        self.keepsJournal = keepsJournal
    }

    /// One round trip.
    public struct Trade: Sendable {
        public let entryBar: Int
        public let exitBar: Int
        public let entryTime: Timestamp
        public let exitTime: Timestamp
        /// Signed units (negative when short).
        public let size: FixedDecimal
        public let entryPrice: FixedDecimal
        public let exitPrice: FixedDecimal
        /// size × (exit − entry) − both commissions.
        public let profit: FixedDecimal
        public let commission: FixedDecimal
    }

    /// The outcome and backtesting.py's statistics.
    public struct Result: Sendable {
        public let finalEquity: FixedDecimal
        public let returnPercent: Double
        public let trades: [Trade]
        public let maxDrawdownPercent: Double
        public let sharpeRatio: Double
        public let winRatePercent: Double
        public let exposurePercent: Double
        /// Equity at every bar's close (analytics; the accounting is in `ledger`).
        public let equityCurve: [Double]
        /// The double-entry books of the run.
        public let ledger: Ledger
    }

    /// Why a backtest cannot run.
    public enum BacktestError: Error, Sendable, Equatable, CustomStringConvertible {
        case invalidParameter(String)
        case insufficientData(String)
        case invalidBars(String)

        public var description: String {
            switch self {
            case .invalidParameter(let detail): "invalid parameter: \(detail)"
            case .insufficientData(let detail): "not enough data: \(detail)"
            case .invalidBars(let detail): "invalid bars: \(detail)"
            }
        }
    }

    public func validate(barCount: Int) throws(BacktestError) {
        guard fast >= 1 else { throw .invalidParameter("fast must be at least 1, got \(fast)") }
        guard slow > fast else { throw .invalidParameter("slow (\(slow)) must be above fast (\(fast))") }
        guard cash.isPositive else { throw .invalidParameter("cash must be positive, got \(cash)") }
        guard !commission.isNegative, commission < FixedDecimal(1) else { throw .invalidParameter("commission must be a fraction from 0 to below 1, got \(commission)") }
        guard !slippageBasisPoints.isNegative, slippageBasisPoints < FixedDecimal(10_000) else { throw .invalidParameter("slippage must be 0 to below 10000 basis points") }
        guard barCount - 1 > slow else { throw .insufficientData("\(barCount) bars; the \(slow)-bar window needs at least \(slow) + 2 bars") }
    }

    /// Runs over one symbol's bars (oldest first). With `tradingFrom`, bars before that index only
    /// warm up the averages: no signal from them is acted on (walk-forward test windows).
    public func run(_ bars: [Bar], symbol: Symbol, tradingFrom: Int = 0) throws(BacktestError) -> Result {
        try validate(barCount: bars.count)
        for index in bars.indices.dropFirst() where bars[index].openTime <= bars[index - 1].openTime {
            throw .invalidBars("bar \(index) at \(bars[index].openTime.iso8601) does not follow \(bars[index - 1].openTime.iso8601)")
        }
        do {
            return try simulate(bars, symbol: symbol, tradingFrom: tradingFrom)
        } catch {
            throw .invalidParameter("an amount overflowed fixed point: \(error)")
        }
    }

    private func simulate(_ bars: [Bar], symbol: Symbol, tradingFrom: Int) throws(DecimalArithmeticError) -> Result {
        let n = bars.count
        let closes = bars.map { $0.close.value.doubleValue }
        // Rolling sums give each SMA in O(1) per bar.
        func movingAverage(_ window: Int) -> [Double] {
            var result = [Double](repeating: .nan, count: n), sum = 0.0
            for index in 0..<n {
                sum += closes[index]
                if index >= window { sum -= closes[index - window] }
                if index >= window - 1 { result[index] = sum / Double(window) }
            }
            return result
        }
        let fastAverage = movingAverage(fast), slowAverage = movingAverage(slow)
        let one = FixedDecimal(1)
        let slippage = try slippageBasisPoints.divided(by: FixedDecimal(10_000))
        var ledger = Ledger(cash: cash, at: bars[0].openTime, keepsEntries: keepsJournal)
        var position = FixedDecimal.zero, entryPrice = FixedDecimal.zero, entryBar = 0, entryCommission = FixedDecimal.zero
        var trades: [Trade] = []
        var equity = [Double](repeating: cash.doubleValue, count: n)
        // Cash and position as doubles for the per-bar equity curve, refreshed only when a fill changes them.
        var cashValue = cash.doubleValue, positionValue = 0.0
        enum Pending { case none, long, short, flat }
        var pending = Pending.none

        func fillPrice(_ open: FixedDecimal, buying: Bool) throws(DecimalArithmeticError) -> FixedDecimal {
            slippage.isZero ? open : try open.multiplied(by: buying ? one + slippage : one - slippage)
        }
        func close(at bar: Int, price open: FixedDecimal) throws(DecimalArithmeticError) {
            guard !position.isZero else { return }
            let buying = position.isNegative
            let price = try fillPrice(open, buying: buying)
            let fee = try position.absolute.multiplied(by: price).multiplied(by: commission)
            try ledger.bookFill(symbol: symbol, side: buying ? .buy : .sell, quantity: position.absolute, price: price, fee: fee, at: bars[bar].openTime)
            let profit = try position.multiplied(by: price - entryPrice) - entryCommission - fee
            trades.append(Trade(entryBar: entryBar, exitBar: bar, entryTime: bars[entryBar].openTime, exitTime: bars[bar].openTime,
                                size: position, entryPrice: entryPrice, exitPrice: price, profit: profit, commission: entryCommission + fee))
            position = .zero
        }
        func open(at bar: Int, price open: FixedDecimal, long: Bool) throws(DecimalArithmeticError) {
            let price = try fillPrice(open, buying: long)
            let available = ledger.cash   // flat here: equity = cash
            // ⌊available / (price·(1 + c))⌋ in one integer division of the raw units: the same value as
            // dividing to 18 digits toward zero and then truncating to a whole number.
            let perUnit = try price.multiplied(by: one + commission)
            guard !perUnit.isZero else { throw .divisionByZero }
            let (whole, overflow) = (available.units / perUnit.units).multipliedReportingOverflow(by: FixedDecimal.unitsPerWhole)
            guard !overflow else { throw .overflow }
            let units = FixedDecimal(units: whole)
            guard units.isPositive else { return }
            let fee = try units.multiplied(by: price).multiplied(by: commission)
            try ledger.bookFill(symbol: symbol, side: long ? .buy : .sell, quantity: units, price: price, fee: fee, at: bars[bar].openTime)
            position = long ? units : -units
            entryPrice = price
            entryBar = bar
            entryCommission = fee
        }

        for bar in 0..<n {
            // Orders placed at the previous close fill at this bar's open: the close first, then the entry.
            if pending != .none {
                let openPrice = bars[bar].open.value
                try close(at: bar, price: openPrice)
                if pending == .long { try open(at: bar, price: openPrice, long: true) }
                if pending == .short { try open(at: bar, price: openPrice, long: false) }
                pending = .none
                cashValue = ledger.cash.doubleValue
                positionValue = position.doubleValue
            }
            if bar >= max(slow, tradingFrom) && bar < n - 1 {
                let up = fastAverage[bar - 1] < slowAverage[bar - 1] && fastAverage[bar] > slowAverage[bar]
                let down = slowAverage[bar - 1] < fastAverage[bar - 1] && slowAverage[bar] > fastAverage[bar]
                if up { pending = .long } else if down { pending = allowShort ? .short : .flat }
            }
            if bar >= slow {
                equity[bar] = cashValue + positionValue * closes[bar]
            }
        }
        // End of data: an open position is closed at the last bar's open (backtesting.py's finalize_trades).
        try close(at: n - 1, price: bars[n - 1].open.value)
        equity[n - 1] = ledger.cash.doubleValue
        let finalEquity = ledger.cash
        return Result(finalEquity: finalEquity, returnPercent: (finalEquity.doubleValue - cash.doubleValue) / cash.doubleValue * 100,
                      trades: trades, maxDrawdownPercent: Self.maxDrawdownPercent(equity),
                      sharpeRatio: Self.sharpeRatio(equity, times: bars.map { $0.openTime }),
                      winRatePercent: trades.isEmpty ? .nan : 100 * Double(trades.filter { $0.profit.isPositive }.count) / Double(trades.count),
                      exposurePercent: Self.exposurePercent(trades, bars: n), equityCurve: equity, ledger: ledger)
    }

    /// −100 × the largest fall from a running peak of the equity curve (a negative number).
    static func maxDrawdownPercent(_ equity: [Double]) -> Double {
        var peak = -Double.infinity, worst = 0.0
        for value in equity {
            peak = max(peak, value)
            worst = max(worst, 1 - value / peak)
        }
        return -100 * worst
    }

    /// The share of bars inside some trade, entry and exit bars included.
    static func exposurePercent(_ trades: [Trade], bars: Int) -> Double {
        var inside = [Bool](repeating: false, count: bars)
        for trade in trades { for bar in trade.entryBar...trade.exitBar { inside[bar] = true } }
        return 100 * Double(inside.filter { $0 }.count) / Double(bars)
    }

    /// backtesting.py's Sharpe ratio (risk-free 0): daily returns of the last equity of each UTC day,
    /// geometric mean g, A = 252 trading days unless more than 60 % × 2/7 of the bars fall on a
    /// weekend (then 365), annual return (1 + g)^A − 1 over annual volatility
    /// √((var(r) + (1 + g)²)^A − (1 + g)^(2A)).
    static func sharpeRatio(_ equity: [Double], times: [Timestamp]) -> Double {
        let day: Int64 = 86_400_000
        var daily: [Double] = []
        var currentDay = Int64.min
        var weekend = 0
        for (index, time) in times.enumerated() {
            let dayNumber = time.millisecondsSinceEpoch >= 0 ? time.millisecondsSinceEpoch / day : (time.millisecondsSinceEpoch - day + 1) / day
            // 1970-01-01 was a Thursday: day 2 is Saturday, day 3 Sunday (mod 7).
            let weekday = ((dayNumber % 7) + 7) % 7
            if weekday == 2 || weekday == 3 { weekend += 1 }
            if dayNumber != currentDay {
                daily.append(equity[index])
                currentDay = dayNumber
            } else {
                daily[daily.count - 1] = equity[index]
            }
        }
        guard daily.count > 2 else { return .nan }
        let returns = (1..<daily.count).map { daily[$0] / daily[$0 - 1] - 1 }
        let periods = Double(weekend) / Double(times.count) > 0.6 * 2 / 7 ? 365.0 : 252.0
        let geometric = returns.contains { 1 + $0 <= 0 } ? 0 : exp(returns.reduce(0) { $0 + log1p($1) } / Double(returns.count)) - 1
        let mean = returns.reduce(0, +) / Double(returns.count)
        let variance = returns.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(returns.count - 1)
        let annualReturn = pow(1 + geometric, periods) - 1
        let annualVolatility = (pow(variance + (1 + geometric) * (1 + geometric), periods) - pow(1 + geometric, 2 * periods)).squareRoot()
        return annualReturn / annualVolatility
    }
}
