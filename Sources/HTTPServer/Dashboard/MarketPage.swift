import Foundation
import Prediction
import TradingCore
import TradingEngine

/// A stored series as candles (drawn by the page's script on a canvas), with volume under them, the
/// account's fills on them as markers, the newest stored forecast of each horizon as its 80 %
/// interval ahead of the last bar, and the trend and volatility regimes of each bar as bands.
enum MarketPage {
    /// The most candles one page draws.
    static let maximumBars = 5000
    /// Bars read before the first candle so its regime has the history `classify` would use.
    static let regimeHistory = 1_025

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

    /// The newest `count` bars of the series (nil when none are stored): a window of `count` bar
    /// lengths holds fewer where the market closes (weekends, nights), so it is widened until it
    /// holds them or reaches the first bar.
    static func newestBars(symbol: Symbol, timeframe: Timeframe, count: Int, store: any Store) async throws -> [StoredBar]? {
        guard let series = try await store.instruments().first(where: { $0.instrument.symbol == symbol })?.series.first(where: { $0.timeframe == timeframe }),
              let last = series.lastOpenTime else { return nil }
        var span = Int64(count)
        var bars: [StoredBar] = []
        for _ in 0..<6 {
            let start = last.adding(milliseconds: -(span - 1) * timeframe.milliseconds)
            bars = try await store.bars(BarQuery(symbol: symbol, timeframe: timeframe, start: start, end: nil, limit: series.barCount)).bars
            if bars.count >= count || (series.firstOpenTime.map { start <= $0 } ?? true) { break }
            span *= 2
        }
        return Array(bars.suffix(count))
    }

    /// The chart's data as compact JSON for the page's script: bars as `[open time ms, open, high,
    /// low, close, volume]`, fills as `[time ms, price, side]`, and the newest forecasts' intervals
    /// as prices. Display figures only (the exact amounts stay in the API).
    static func data(symbol: Symbol, timeframe: Timeframe, count: Int, account: String, store: any Store) async throws -> JSONValue? {
        // The regimes of the first bars shown need the bars before them (RegimeDetector.labelsByBar).
        guard let loaded = try await newestBars(symbol: symbol, timeframe: timeframe, count: count + regimeHistory, store: store), loaded.count >= 2 else { return nil }
        let bars = Array(loaded.suffix(count))
        let labels = RegimeDetector().labelsByBar(closes: loaded.map { Double($0.close) ?? 0 }).suffix(bars.count)
        /// Runs of equal labels as `[first open ms, end ms, label]`.
        func bands(_ label: (Int) -> String?) -> JSONValue {
            var runs: [(start: Int64, end: Int64, label: String)] = []
            for (offset, index) in labels.indices.enumerated() {
                guard let text = label(index) else { continue }
                let start = bars[offset].openTime.millisecondsSinceEpoch, end = start + timeframe.milliseconds
                if let last = runs.last, last.label == text, last.end == start { runs[runs.count - 1].end = end } else { runs.append((start, end, text)) }
            }
            return .array(runs.map { [.integer($0.start), .integer($0.end), .string($0.label)] })
        }
        let first = bars[0].openTime, last = bars[bars.count - 1].openTime.adding(milliseconds: timeframe.milliseconds)
        let fills = (try? await store.tradingFills(account: account, limit: 10_000))?.filter { $0.symbol == symbol && $0.time >= first && $0.time <= last } ?? []
        let forecasts = try await newestForecasts(symbol: symbol, timeframe: timeframe, store: store)
        func number(_ text: String?) -> JSONValue { .number(Double(text ?? "") ?? 0) }
        return [
            "symbol": .string(symbol.rawValue), "timeframe": .string(timeframe.rawValue), "bar_ms": .integer(timeframe.milliseconds),
            "bars": .array(bars.map { .array([.integer($0.openTime.millisecondsSinceEpoch), number($0.open), number($0.high), number($0.low), number($0.close), number($0.volume)]) }),
            "regimes": ["trend": bands { labels[$0].trend?.rawValue }, "volatility": bands { labels[$0].volatility?.rawValue }],
            "fills": .array(fills.map { .array([.integer($0.time.millisecondsSinceEpoch), .number($0.price.doubleValue), .string($0.side.rawValue)]) }),
            "forecasts": .array(forecasts.map { forecast in
                let reference = Double(forecast.referenceClose) ?? 0
                return ["horizon": .string(forecast.horizon), "target_ms": .integer(forecast.targetTime.millisecondsSinceEpoch),
                        "low": .number(reference * exp(forecast.intervalLow)), "high": .number(reference * exp(forecast.intervalHigh)),
                        "expected": .number(reference * exp(forecast.expectedLogReturn)), "probability_up": .number(forecast.probabilityUp)]
            }),
        ]
    }

    /// The chart's place on the page: a canvas the script draws from `source`, and the legend.
    static func chart(source: String) -> String {
        """
        <figure class="chart market"><canvas id="market-chart" data-source="\(HTML.escape(source))" width="960" height="430" aria-label="candles"></canvas></figure>
        <p class="note" id="market-legend">Green and red candles, volume below; the account's fills on this symbol as triangles (blue: buy, brown: sell); the newest stored forecasts as 80 % intervals at their target times, the dot their expected price. Under the volume, each bar's regime as known at its close: trend (green bull, red bear, grey sideways: the t-statistic of the 50-bar log-price slope beyond ±2) and volatility (pale low, amber normal, dark high: the 24-bar RMS return's percentile among the last 1,000).</p>
        """
    }

    /// The newest stored forecast of each horizon for the series (the ones of its newest data time).
    static func newestForecasts(symbol: Symbol, timeframe: Timeframe, store: any Store) async throws -> [ForecastRecord] {
        let records = try await store.forecasts(symbol: symbol, limit: 200).filter { $0.timeframe == timeframe }
        guard let newest = records.map(\.dataTime).max() else { return [] }
        return records.filter { $0.dataTime == newest }.sorted { $0.horizonMilliseconds < $1.horizonMilliseconds }
    }
}
