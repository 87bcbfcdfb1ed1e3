import TradingCore
import TradingEngine

/// Closed klines of a range from `GET /api/v3/klines`, paged 1,000 at a time (the next page
/// starts at the last open time + 1 ms), so a backfill of any length misses no bar.
public struct BinanceKlineHistory: Sendable {
    public let rest: BinanceRESTClient
    /// Rows per page (Binance's maximum is 1,000).
    public let pageSize: Int

    /// Creates a reader.
    public init(rest: BinanceRESTClient, pageSize: Int = 1_000) {
        self.rest = rest
        self.pageSize = pageSize
    }

    /// Closed bars of `symbol` with `range.lowerBound ≤ openTime < range.upperBound`, oldest first.
    public func bars(symbol: Symbol, timeframe: Timeframe, range: Range<Timestamp>) async throws -> [Bar] {
        var bars: [Bar] = []
        var start = range.lowerBound
        let last = range.upperBound.adding(milliseconds: -1)
        while start <= last {
            let response = try await rest.publicCall("GET", "/api/v3/klines", query: BinanceQuery([
                ("symbol", symbol.rawValue), ("interval", BinanceKline.interval(of: timeframe)),
                ("startTime", String(start.millisecondsSinceEpoch)), ("endTime", String(last.millisecondsSinceEpoch)), ("limit", String(pageSize)),
            ]), weight: 2)
            let now = await rest.serverTimeEstimate
            let klines: [BinanceKline]
            do {
                klines = try BinanceKline.decodeHistory(response.body, symbol: symbol, timeframe: timeframe, now: now)
            } catch {
                throw VenueError(.malformedResponse, "klines of \(symbol) \(timeframe.rawValue) from \(start.iso8601): \(error)")
            }
            for kline in klines where kline.isClosed && range.contains(kline.bar.openTime) {
                if let previous = bars.last, kline.bar.openTime <= previous.openTime { continue }
                bars.append(kline.bar)
            }
            guard klines.count == pageSize, let newest = klines.last else { break }
            start = newest.bar.openTime.adding(milliseconds: 1)
        }
        return bars
    }
}
