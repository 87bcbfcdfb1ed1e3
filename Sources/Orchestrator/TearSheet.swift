import Analytics
import Foundation
import TradingCore
import TradingEngine

/// A self-contained HTML tear sheet of a backtest: no script, no CDN, charts as inline SVG, so it
/// opens offline and can be archived with the run. Sections: metrics (from the Analytics module on
/// the bar-to-bar equity returns), equity against buy-and-hold, drawdown, monthly returns and the
/// trade list.
public enum TearSheet {
    /// Renders the page.
    public static func render(title: String, bars: [Bar], result: SMACrossBacktest.Result, periodsPerYear: Double) -> String {
        let equity = result.equityCurve
        let closes = bars.map { $0.close.value.doubleValue }
        let buyAndHold = closes.map { $0 / closes[0] * equity[0] }
        let returns = (1..<equity.count).map { equity[$0] / equity[$0 - 1] - 1 }
        let metrics = try? PerformanceAnalytics.metrics(returns: returns, options: MetricsOptions(periodsPerYear: periodsPerYear))
        var drawdown: [Double] = []
        var peak = -Double.infinity
        for value in equity { peak = max(peak, value); drawdown.append(value / peak - 1) }

        var html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
            table{border-collapse:collapse}td,th{padding:3px 8px;border:1px solid #ddd;text-align:right}th{background:#f4f4f4}
            .legend span{display:inline-block;margin-right:16px}.swatch{display:inline-block;width:12px;height:3px;vertical-align:middle;margin-right:4px}</style>
            </head><body><h1>\(escape(title))</h1>
            <p>\(bars.count) bars from \(bars[0].openTime.iso8601) to \(bars[bars.count - 1].openTime.iso8601); final equity \(result.finalEquity), \
            \(result.trades.count) trades.</p>
            <h2>Metrics</h2><table id="metrics"><tr><th>metric</th><th>value</th></tr>
            """
        var rows: [(String, String)] = [("return %", format(result.returnPercent)), ("max drawdown %", format(result.maxDrawdownPercent)),
                                         ("Sharpe (backtesting.py)", format(result.sharpeRatio, digits: 3)), ("win rate %", format(result.winRatePercent)),
                                         ("exposure %", format(result.exposurePercent)), ("fees", result.ledger.fees.description)]
        if let metrics {
            rows += [("annual return", format(metrics.annualReturn, digits: 4)), ("annual volatility", format(metrics.annualVolatility, digits: 4)),
                     ("Sortino", format(metrics.sortinoRatio, digits: 3)), ("Calmar", format(metrics.calmarRatio, digits: 3)),
                     ("VaR 95 % (per bar)", format(metrics.valueAtRisk95, digits: 5)), ("CVaR 95 % (per bar)", format(metrics.conditionalValueAtRisk95, digits: 5))]
        }
        for (name, value) in rows { html += "<tr><td style=\"text-align:left\">\(escape(name))</td><td>\(escape(value))</td></tr>" }
        html += "</table>"
        html += "<h2>Equity</h2><p class=\"legend\"><span><i class=\"swatch\" style=\"background:#1f6feb\"></i>strategy</span>"
        html += "<span><i class=\"swatch\" style=\"background:#999\"></i>buy and hold</span></p>"
        html += chart(id: "equity-chart", series: [(buyAndHold, "#999"), (equity, "#1f6feb")], height: 260)
        html += "<h2>Drawdown</h2>" + chart(id: "drawdown-chart", series: [(drawdown, "#d1242f")], height: 140)
        html += "<h2>Monthly returns (%)</h2>" + monthlyTable(bars: bars, equity: equity)
        html += "<h2>Trades</h2><table id=\"trades\"><tr><th>entry</th><th>exit</th><th>size</th><th>entry price</th><th>exit price</th><th>profit</th></tr>"
        for trade in result.trades.prefix(500) {
            html += "<tr><td>\(trade.entryTime.iso8601)</td><td>\(trade.exitTime.iso8601)</td><td>\(trade.size)</td><td>\(trade.entryPrice)</td>"
            html += "<td>\(trade.exitPrice)</td><td>\(trade.profit)</td></tr>"
        }
        html += "</table>"
        if result.trades.count > 500 { html += "<p>… and \(result.trades.count - 500) more trades (all in --trades CSV).</p>" }
        html += "</body></html>\n"
        return html
    }

    /// A line chart of one or more series sharing a y-axis, at most 1,000 points each.
    static func chart(id: String, series: [([Double], String)], height: Int) -> String {
        let width = 900.0, plotHeight = Double(height)
        let all = series.flatMap(\.0).filter(\.isFinite)
        guard let low = all.min(), let high = all.max() else { return "" }
        let span = high > low ? high - low : 1
        var svg = "<svg id=\"\(id)\" width=\"\(Int(width))\" height=\"\(height + 20)\" viewBox=\"0 0 \(Int(width)) \(height + 20)\">"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(height)\" fill=\"#fafafa\" stroke=\"#ddd\"/>"
        for (values, colour) in series {
            let step = max(1, values.count / 1000)
            var points: [String] = []
            for index in stride(from: 0, to: values.count, by: step) where values[index].isFinite {
                let x = Double(index) / Double(max(values.count - 1, 1)) * width
                let y = plotHeight - (values[index] - low) / span * (plotHeight - 10) - 5
                points.append(String(format: "%.1f,%.1f", x, y))
            }
            svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/>"
        }
        svg += "<text x=\"4\" y=\"\(height + 15)\" font-size=\"11\">\(format(low, digits: 2)) … \(format(high, digits: 2))</text></svg>"
        return svg
    }

    /// Returns by calendar month (UTC) from the last equity of each month, coloured green/red by sign.
    static func monthlyTable(bars: [Bar], equity: [Double]) -> String {
        var returns: [Int: [Int: Double]] = [:]
        for entry in MonthlyReturn.of(Array(equity.prefix(bars.count)), at: bars.prefix(equity.count).map(\.openTime)) {
            returns[entry.year, default: [:]][entry.month] = entry.percent
        }
        var html = "<table id=\"monthly\"><tr><th>year</th>" + (1...12).map { "<th>\($0)</th>" }.joined() + "</tr>"
        for year in returns.keys.sorted() {
            html += "<tr><th>\(year)</th>"
            for month in 1...12 {
                if let value = returns[year]?[month] {
                    let intensity = min(abs(value) / 10, 1)
                    let colour = value >= 0 ? "rgba(26,127,55,\(format(0.15 + 0.6 * intensity, digits: 2)))" : "rgba(209,36,47,\(format(0.15 + 0.6 * intensity, digits: 2)))"
                    // Round before printing so a tiny loss does not show as "-0.0".
                    let shown = (value * 10).rounded() / 10
                    html += "<td style=\"background:\(colour)\">\(format(shown == 0 ? 0 : shown, digits: 1))</td>"
                } else {
                    html += "<td></td>"
                }
            }
            html += "</tr>"
        }
        return html + "</table>"
    }

    static func format(_ value: Double, digits: Int = 2) -> String {
        value.isFinite ? String(format: "%.\(digits)f", value) : "—"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
