import Foundation
import TradingCore
import TradingEngine

/// A stored series as candles (drawn as SVG on the server), with volume under them, the account's
/// fills on them as markers, and the newest stored forecast of each horizon as its 80 % interval
/// ahead of the last bar.
enum MarketPage {
    /// The most candles one page draws.
    static let maximumBars = 5000

    /// The form to choose a series, with a problem shown next to the field it is about.
    static func form(symbols: [String], symbol: String, timeframe: String, bars: Int, problem: (field: String, reason: String)?) -> String {
        func error(_ field: String) -> String {
            guard let problem, problem.field == field else { return "" }
            return "<div class=\"field-error\">\(HTML.escape(problem.reason))</div>"
        }
        let options = symbols.map { "<option value=\"\(HTML.escape($0))\">" }.joined()
        return """
            <form class="market" method="get" action="/ui/market"><datalist id="symbols">\(options)</datalist>
            <label>Symbol <input type="text" name="symbol" list="symbols" value="\(HTML.escape(symbol))" maxlength="32">\(error("symbol"))</label>
            <label>Bar <input type="text" name="timeframe" value="\(HTML.escape(timeframe))" maxlength="4">\(error("timeframe"))</label>
            <label>Bars <input type="text" name="bars" value="\(bars)" maxlength="5">\(error("bars"))</label>
            <button type="submit">Show</button></form>
            """
    }

    /// The chart of the newest `count` bars of `symbol` at `timeframe`, or a notice when none are stored.
    static func chart(symbol: Symbol, timeframe: Timeframe, count: Int, account: String, store: any Store) async throws -> String {
        guard let series = try await store.instruments().first(where: { $0.instrument.symbol == symbol })?.series.first(where: { $0.timeframe == timeframe }),
              let last = series.lastOpenTime else {
            return "<p class=\"notice\">No \(timeframe.rawValue) bars are stored for \(HTML.escape(symbol.rawValue)).</p>"
        }
        // The newest `count` bars: a window of `count` bar lengths holds fewer where the market
        // closes (weekends, nights), so it is widened until it holds them or reaches the first bar.
        var span = Int64(count)
        var bars: [StoredBar] = []
        for _ in 0..<6 {
            let start = last.adding(milliseconds: -(span - 1) * timeframe.milliseconds)
            bars = try await store.bars(BarQuery(symbol: symbol, timeframe: timeframe, start: start, end: nil, limit: series.barCount)).bars
            if bars.count >= count || (series.firstOpenTime.map { start <= $0 } ?? true) { break }
            span *= 2
        }
        bars = Array(bars.suffix(count))
        guard bars.count >= 2 else { return "<p class=\"notice\">Too few bars to draw.</p>" }
        let fills = (try? await store.tradingFills(account: account, limit: 10_000))?.filter { $0.symbol == symbol } ?? []
        let forecasts = try await newestForecasts(symbol: symbol, timeframe: timeframe, store: store)
        return draw(bars, timeframe: timeframe, fills: fills, forecasts: forecasts) + legend(forecasts: forecasts, fills: fills.count)
    }

    /// The newest stored forecast of each horizon for the series (the ones of its newest data time).
    static func newestForecasts(symbol: Symbol, timeframe: Timeframe, store: any Store) async throws -> [ForecastRecord] {
        let records = try await store.forecasts(symbol: symbol, limit: 200).filter { $0.timeframe == timeframe }
        guard let newest = records.map(\.dataTime).max() else { return [] }
        return records.filter { $0.dataTime == newest }.sorted { $0.horizonMilliseconds < $1.horizonMilliseconds }
    }

    private static func draw(_ bars: [StoredBar], timeframe: Timeframe, fills: [BookedFill], forecasts: [ForecastRecord]) -> String {
        let opens = bars.map { Double($0.open) ?? 0 }, highs = bars.map { Double($0.high) ?? 0 }
        let lows = bars.map { Double($0.low) ?? 0 }, closes = bars.map { Double($0.close) ?? 0 }
        let volumes = bars.map { Double($0.volume ?? "") ?? 0 }
        let first = bars[0].openTime.millisecondsSinceEpoch, lastClose = bars[bars.count - 1].openTime.millisecondsSinceEpoch + timeframe.milliseconds
        let ahead = forecasts.map { Double($0.targetTime.millisecondsSinceEpoch - lastClose) }.max() ?? 0
        let span = Double(lastClose - first) + max(0, ahead) * 1.05
        var low = lows.min() ?? 0, high = highs.max() ?? 1
        for forecast in forecasts {
            let reference = Double(forecast.referenceClose) ?? closes.last!
            low = min(low, reference * exp(forecast.intervalLow))
            high = max(high, reference * exp(forecast.intervalHigh))
        }
        let width = 960.0, left = 70.0, right = width - 12, top = 10.0, priceBottom = 300.0, volumeTop = 312.0, volumeBottom = 370.0, height = 392.0
        let range = high - low == 0 ? 1 : high - low
        func x(_ time: Int64) -> Double { left + (right - left) * Double(time - first) / span }
        func y(_ price: Double) -> Double { priceBottom - (priceBottom - top) * (price - low) / range }
        let slot = (right - left) * Double(timeframe.milliseconds) / span
        let body = max(1, slot * 0.7)
        let maximumVolume = volumes.max() ?? 0
        var svg = "<figure class=\"chart market\"><svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"candles\">"
        svg += "<line x1=\"\(left)\" y1=\"\(priceBottom)\" x2=\"\(right)\" y2=\"\(priceBottom)\" stroke=\"#d8dee4\"/>"
        var candles = ""
        for index in bars.indices {
            let center = x(bars[index].openTime.millisecondsSinceEpoch) + slot / 2
            let rising = closes[index] >= opens[index]
            let color = rising ? "#1a7f37" : "#cf222e"
            let topY = y(max(opens[index], closes[index])), bottomY = y(min(opens[index], closes[index]))
            candles += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\"/>", center, y(highs[index]), center, y(lows[index]), color)
            candles += String(format: "<rect class=\"candle\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"/>", center - body / 2, topY, body, max(0.5, bottomY - topY), color)
            if maximumVolume > 0 {
                let barHeight = (volumeBottom - volumeTop) * volumes[index] / maximumVolume
                candles += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#8c959f\" fill-opacity=\"0.5\"/>",
                                  center - body / 2, volumeBottom - barHeight, body, barHeight)
            }
        }
        svg += candles
        // The fills: a triangle under the bar for a buy, above it for a sell.
        for fill in fills where fill.time.millisecondsSinceEpoch >= first && fill.time.millisecondsSinceEpoch <= lastClose {
            let center = x(fill.time.millisecondsSinceEpoch), price = y(fill.price.doubleValue)
            let points = fill.side == .buy
                ? String(format: "%.1f,%.1f %.1f,%.1f %.1f,%.1f", center, price + 2, center - 5, price + 11, center + 5, price + 11)
                : String(format: "%.1f,%.1f %.1f,%.1f %.1f,%.1f", center, price - 2, center - 5, price - 11, center + 5, price - 11)
            svg += "<polygon class=\"fill-marker\" points=\"\(points)\" fill=\"\(fill.side == .buy ? "#0b5cad" : "#9a6700")\"><title>\(fill.side.rawValue) \(fill.quantity) @ \(fill.price) \(fill.time.iso8601)</title></polygon>"
        }
        // The forecasts: each horizon's 80 % interval at its target time, its expected price as a dot.
        for forecast in forecasts {
            let reference = Double(forecast.referenceClose) ?? closes.last!
            let center = x(forecast.targetTime.millisecondsSinceEpoch)
            svg += String(format: "<line class=\"forecast\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#6639ba\" stroke-width=\"3\" stroke-opacity=\"0.6\"><title>%@</title></line>",
                          center, y(reference * exp(forecast.intervalHigh)), center, y(reference * exp(forecast.intervalLow)),
                          HTML.escape("\(forecast.horizon): 80 % interval, P(up) \(String(format: "%.2f", forecast.probabilityUp))"))
            svg += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#6639ba\"/>", center, y(reference * exp(forecast.expectedLogReturn)))
            svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#6639ba\" text-anchor=\"middle\">%@</text>",
                          center, y(reference * exp(forecast.intervalHigh)) - 4, HTML.escape(forecast.horizon))
        }
        func label(_ x: Double, _ y: Double, _ text: String, _ anchor: String) -> String {
            "<text x=\"\(x)\" y=\"\(y)\" font-size=\"11\" fill=\"#5c6773\" text-anchor=\"\(anchor)\">\(HTML.escape(text))</text>"
        }
        svg += label(left - 6, top + 8, String(format: "%.2f", high), "end") + label(left - 6, priceBottom, String(format: "%.2f", low), "end")
        svg += label(left, height - 6, String(bars[0].openTime.iso8601.prefix(16)).replacingOccurrences(of: "T", with: " "), "start")
        svg += label(x(lastClose), height - 6, String(bars[bars.count - 1].openTime.iso8601.prefix(16)).replacingOccurrences(of: "T", with: " "), "end")
        return svg + "</svg></figure>"
    }

    private static func legend(forecasts: [ForecastRecord], fills: Int) -> String {
        let horizons = forecasts.map { "\($0.horizon) (P(up) \(String(format: "%.2f", $0.probabilityUp)))" }.joined(separator: ", ")
        return "<p class=\"note\">Green and red candles, volume below; the account's fills on this symbol as triangles (\(fills); blue: buy, brown: sell); "
            + (forecasts.isEmpty ? "no stored forecast for this series yet."
                                 : "the newest stored forecasts as 80 % intervals at their target times, the dot their expected price: \(HTML.escape(horizons)).") + "</p>"
    }
}
