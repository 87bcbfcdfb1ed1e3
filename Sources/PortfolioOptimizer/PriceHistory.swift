import Foundation
import QuantMath
import TradingCore

/// Closing prices of several assets on common dates: the input of every estimator.
///
/// It is built only from complete windows: a missing, non-finite or non-positive price is an error
/// that names the symbol and date, and every series must move at least once.
public struct PriceHistory: Sendable {
    /// The asset symbols, in column order.
    public let symbols: [String]
    /// The dates (bar open times), ascending.
    public let dates: [Timestamp]
    /// Prices: `prices[t][i]` is asset i on date t.
    public let prices: [[Double]]

    /// Creates a history after checking it.
    public init(symbols: [String], dates: [Timestamp], prices: [[Double]]) throws(PortfolioError) {
        guard symbols.count >= 2 else { throw .insufficientData("at least two assets are needed, got \(symbols.count)") }
        guard dates.count >= 3 else { throw .insufficientData("at least three prices per asset are needed, got \(dates.count)") }
        guard prices.count == dates.count, prices.allSatisfy({ $0.count == symbols.count }) else {
            throw .insufficientData("the price table does not match its dates and symbols")
        }
        guard Set(symbols).count == symbols.count else { throw .invalidParameter("symbols must be distinct") }
        for index in 1..<dates.count where dates[index] <= dates[index - 1] {
            throw .invalidParameter("dates must be strictly increasing: \(dates[index].iso8601) follows \(dates[index - 1].iso8601)")
        }
        for (row, date) in dates.enumerated() {
            for (column, symbol) in symbols.enumerated() {
                let value = prices[row][column]
                if value.isNaN { throw .missingPrice(symbol: symbol, date: date.iso8601) }
                guard value.isFinite, value > 0 else { throw .invalidPrice(symbol: symbol, date: date.iso8601, value: value) }
            }
        }
        for (column, symbol) in symbols.enumerated() where prices.allSatisfy({ $0[column] == prices[0][column] }) {
            throw .constantSeries(symbol: symbol)
        }
        self.symbols = symbols
        self.dates = dates
        self.prices = prices
    }

    /// The prices of a wide close-price file between two dates (inclusive), keeping only the given
    /// symbols (all when nil). A date on which a kept symbol has no price is an error, not a gap filled.
    public init(wideClose file: ParsedWideCloseFile, symbols wanted: [String]? = nil, start: Timestamp? = nil,
                end: Timestamp? = nil) throws(PortfolioError) {
        let series = file.series.filter { wanted == nil || wanted!.contains($0.symbol.rawValue) }
        if let wanted, let unknown = wanted.first(where: { name in !series.contains { $0.symbol.rawValue == name } }) {
            throw .insufficientData("the file has no column \(unknown)")
        }
        var allDates = Set<Timestamp>()
        for entry in series { for bar in entry.bars { allDates.insert(bar.openTime) } }
        let from = start ?? Timestamp(millisecondsSinceEpoch: .min)
        let to = end ?? Timestamp(millisecondsSinceEpoch: .max)
        let dates: [Timestamp] = allDates.filter { date in date >= from && date <= to }.sorted()
        var table = [[Double]](repeating: [Double](repeating: .nan, count: series.count), count: dates.count)
        let rowOf = Dictionary(uniqueKeysWithValues: dates.enumerated().map { ($1, $0) })
        for (column, entry) in series.enumerated() {
            for bar in entry.bars {
                if let row = rowOf[bar.openTime] { table[row][column] = bar.close.value.doubleValue }
            }
        }
        try self.init(symbols: series.map(\.symbol.rawValue), dates: dates, prices: table)
    }

    /// The number of assets.
    public var assetCount: Int { symbols.count }

    /// Simple returns pₜ/pₜ₋₁ − 1, one row per date after the first.
    public var simpleReturns: [[Double]] {
        returns { current, previous in current / previous - 1 }
    }

    /// Log returns log(pₜ/pₜ₋₁).
    public var logReturns: [[Double]] {
        returns { current, previous in log(current / previous) }
    }

    private func returns(_ change: (Double, Double) -> Double) -> [[Double]] {
        var table: [[Double]] = []
        table.reserveCapacity(prices.count - 1)
        for row in 1..<prices.count {
            let current = prices[row], previous = prices[row - 1]
            var values = [Double](repeating: 0, count: assetCount)
            for column in 0..<assetCount { values[column] = change(current[column], previous[column]) }
            table.append(values)
        }
        return table
    }
}
