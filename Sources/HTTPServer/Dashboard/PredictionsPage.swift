import FeedbackLoop
import Foundation
import TradingCore
import TradingEngine

/// Forecasts of one symbol: each horizon's newest forecast beside its baselines (the same document
/// as `GET /api/v1/predictions/{symbol}`, stored once for scoring), and how the feedback loop has
/// scored that symbol's forecasts: hit rate, interval coverage, Brier score and calibration.
enum PredictionsPage {
    /// The form to choose a series, with a problem shown next to its field.
    static func form(symbols: [String], symbol: String, timeframe: String, problem: (name: String, reason: String)?) -> String {
        func error(_ field: String) -> String {
            guard let problem, problem.name == field else { return "" }
            return "<div class=\"field-error\">\(HTML.escape(problem.reason))</div>"
        }
        return """
            <form class="market" method="get" action="/ui/predictions"><datalist id="symbols">\(symbols.map { "<option value=\"\(HTML.escape($0))\">" }.joined())</datalist>
            <label>Symbol <input type="text" name="symbol" list="symbols" value="\(HTML.escape(symbol))" maxlength="32">\(error("symbol"))</label>
            <label>Bar <input type="text" name="timeframe" value="\(HTML.escape(timeframe))" maxlength="4" placeholder="shortest">\(error("timeframe"))</label>
            <button type="submit">Show</button></form>
            """
    }

    /// The forecasts beside their baselines, from the predictions document.
    static func forecasts(_ document: JSONValue) -> String {
        func number(_ value: JSONValue?) -> Double? { if case .number(let number)? = value { number } else { nil } }
        func percent(_ value: JSONValue?, digits: Int = 3) -> String { number(value).map { String(format: "%+.\(digits)f", $0 * 100) } ?? "—" }
        func share(_ value: JSONValue?) -> String { number(value).map { String(format: "%.1f", $0 * 100) } ?? "—" }
        let rows = (document["forecasts"]?.arrayValue ?? []).map { forecast -> [String] in
            let interval = forecast["interval_80"]?.arrayValue ?? []
            return [forecast["horizon"]?.stringValue ?? "", percent(forecast["expected_log_return"]), percent(forecast["baselines"]?["mean_log_return"]),
                    share(forecast["probability_up"]), share(forecast["baselines"]?["probability_up"]),
                    percent(forecast["volatility"], digits: 2), percent(forecast["baselines"]?["ewma_volatility"], digits: 2),
                    interval.count == 2 ? "\(percent(interval[0], digits: 2)) to \(percent(interval[1], digits: 2))" : "—",
                    ["return", "direction", "volatility"].map { forecast["models"]?[$0]?.stringValue ?? "?" }.joined(separator: " · ")]
        }
        var html = "<p class=\"note\">Bars to \(HTML.escape(document["data_time"]?.stringValue ?? "?")) (\(HTML.escape(document["timeframe"]?.stringValue ?? "?"))), "
            + "model version \(HTML.escape(document["model_version"]?.stringValue ?? "?")). A model is used only where it beat its baseline on held-out data; "
            + "otherwise the baseline is the forecast.</p>"
        html += HTML.table(columns: ["Horizon", "Expected log return %", "Baseline (mean) %", "P(up) %", "Baseline P(up) %", "Volatility %", "Baseline (EWMA) %",
                                     "80 % interval (log return %)", "Models: return · direction · volatility"],
                           rows: rows, numeric: [1, 2, 3, 4, 5, 6])
        return html
    }

    /// The feedback loop's figures for `symbol`, per horizon, and its calibration.
    static func scoring(symbol: Symbol, store: any Store) async throws -> String {
        let (table, summaries, count) = try await FeedbackPage.performanceTable(store: store, symbol: symbol, byRegime: false)
        var html = "<h2>How these forecasts have scored</h2>"
        guard count > 0 else {
            return html + "<p class=\"note\">No forecast of \(HTML.escape(symbol.rawValue)) has been scored yet: each is scored once its horizon has passed.</p>"
        }
        html += table + reliability(summaries.map { ($0.key.horizon, $0.summary.calibration) })
        return html
    }

    /// A reliability diagram: each horizon's observed frequency of "up" against its mean P(up) per
    /// bin; calibrated forecasts lie on the diagonal.
    static func reliability(_ curves: [(horizon: String, bins: [ProbabilityScores.CalibrationBin])]) -> String {
        let size = 300.0, margin = 36.0, palette = ["#0b5cad", "#9a6700", "#8250df", "#1a7f37", "#cf222e"]
        func x(_ p: Double) -> Double { margin + (size - margin - 10) * p }
        func y(_ p: Double) -> Double { size - margin - (size - margin - 10) * p }
        var svg = "<figure class=\"chart reliability\"><figcaption>Calibration: observed share up against forecast P(up)"
        for (index, curve) in curves.enumerated() {
            svg += " \(SVGChart.swatch(palette[index % palette.count]))\(HTML.escape(curve.horizon))"
        }
        svg += "</figcaption><svg id=\"reliability\" viewBox=\"0 0 \(Int(size)) \(Int(size))\" role=\"img\" aria-label=\"calibration\">"
        svg += "<rect x=\"\(x(0))\" y=\"\(y(1))\" width=\"\(x(1) - x(0))\" height=\"\(y(0) - y(1))\" fill=\"none\" stroke=\"#d8dee4\"/>"
        svg += "<line x1=\"\(x(0))\" y1=\"\(y(0))\" x2=\"\(x(1))\" y2=\"\(y(1))\" stroke=\"#8c959f\" stroke-dasharray=\"4 3\"/>"
        for (index, curve) in curves.enumerated() {
            let color = palette[index % palette.count]
            let points = curve.bins.filter { $0.count > 0 }
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(points.map { String(format: "%.1f,%.1f", x($0.meanProbability), y($0.observedFrequency)) }.joined(separator: " "))\"/>"
            for bin in points {
                svg += "<circle cx=\"\(String(format: "%.1f", x(bin.meanProbability)))\" cy=\"\(String(format: "%.1f", y(bin.observedFrequency)))\" r=\"3\" fill=\"\(color)\">"
                    + "<title>\(HTML.escape(curve.horizon)): \(bin.count) forecasts, mean P(up) \(String(format: "%.2f", bin.meanProbability)), up \(String(format: "%.2f", bin.observedFrequency))</title></circle>"
            }
        }
        svg += "<text x=\"\(x(0))\" y=\"\(size - 18)\" font-size=\"11\" fill=\"#5c6773\">0</text><text x=\"\(x(1))\" y=\"\(size - 18)\" font-size=\"11\" fill=\"#5c6773\" text-anchor=\"end\">P(up) 1</text>"
        svg += "<text x=\"\(margin - 6)\" y=\"\(y(1) + 4)\" font-size=\"11\" fill=\"#5c6773\" text-anchor=\"end\">1</text>"
        return svg + "</svg></figure>"
    }
}
