import Prediction
import TradingCore

extension MarketDataStore {
    /// The stored bars of one series with `start ≤ open time < end`, in the prediction module's
    /// analytic form, with the newest close as its exact decimal text; nil when there are none.
    public func analyticSeries(symbol: Symbol, timeframe: Timeframe, start: Timestamp?, end: Timestamp?) async throws -> (series: BarSeries, lastClose: String)? {
        var times: [Timestamp] = [], opens: [Double] = [], highs: [Double] = [], lows: [Double] = [], closes: [Double] = [], volumes: [Double] = []
        var lastClose = ""
        var cursor = start
        repeat {
            let page = try await bars(BarQuery(symbol: symbol, timeframe: timeframe, start: cursor, end: end, limit: 5000))
            for bar in page.bars {
                times.append(bar.openTime)
                opens.append(Double(bar.open) ?? .nan)
                highs.append(Double(bar.high) ?? .nan)
                lows.append(Double(bar.low) ?? .nan)
                closes.append(Double(bar.close) ?? .nan)
                volumes.append(bar.volume.flatMap(Double.init) ?? 0)
                lastClose = bar.close
            }
            cursor = page.nextStart
        } while cursor != nil
        guard !times.isEmpty else { return nil }
        return (try BarSeries(timeframe: timeframe, openTimes: times, opens: opens, highs: highs, lows: lows, closes: closes, volumes: volumes), lastClose)
    }
}
