import Foundation
import TradingCore
import TradingEngine

/// How the account has done: its equity and drawdown over time (drawn as SVG on the server), its
/// returns month by month, and the metrics of `/api/v1/portfolio/metrics`.
enum PerformancePage {
    /// The page's body for `account`.
    static func body(account: String, store: any Store) async throws -> String {
        _ = try await TradingRoutes.state(account, store: store)
        let points = try await store.equityHistory(account: account, limit: 1_000_000)
        let equity = points.map(\.equity.doubleValue), times = points.map(\.time)
        var peak = -Double.infinity
        let drawdown = equity.map { value -> Double in
            peak = max(peak, value)
            return peak > 0 ? (value / peak - 1) * 100 : 0
        }
        var html = "<p class=\"note\">Account \(HTML.escape(account)), \(points.count) marks.</p>"
        html += SVGChart.line(equity, times: times, title: "Equity")
        html += SVGChart.line(drawdown, times: times, title: "Drawdown (% below the highest mark)", height: 160, color: "#cf222e", area: true)
        html += "<h2>Monthly returns (%)</h2>" + monthlyTable(points)
        html += "<h2>Metrics</h2>"
        if let (periods, metrics) = try? TradingRoutes.accountMetrics(account, points: points) {
            let json = Representations.metrics(metrics, dates: points.dropFirst().map(\.time.iso8601))
            let shown: [(String, String, Double)] = [
                ("annual_return", "Annual return", 100), ("annual_volatility", "Annual volatility", 100), ("sharpe_ratio", "Sharpe ratio", 1),
                ("sortino_ratio", "Sortino ratio", 1), ("calmar_ratio", "Calmar ratio", 1), ("max_drawdown", "Maximum drawdown", 100),
                ("value_at_risk_95", "Value at risk 95 % (one period)", 100), ("stability", "Stability", 1),
            ]
            let rows = shown.map { key, label, scale -> [String] in
                let value: String
                switch json[key] {
                case .number(let number)?: value = String(format: scale == 100 ? "%.2f %%" : "%.3f", number * scale)
                default: value = "—"
                }
                return [label, value]
            }
            html += HTML.table(columns: ["Metric", "Value"], rows: rows, numeric: [1])
            html += "<p class=\"note\">Simple returns mark to mark, \(String(format: "%.0f", periods)) periods a year; empyrical's conventions.</p>"
        } else {
            html += "<p class=\"note\">Metrics need at least 3 marks.</p>"
        }
        return html
    }

    /// Each month's return from the last mark of the month before (the first mark for the first).
    static func monthlyTable(_ points: [EquityPoint]) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var lastOfMonth: [(year: Int, month: Int, equity: Double)] = []
        for point in points {
            let date = Date(timeIntervalSince1970: Double(point.time.millisecondsSinceEpoch) / 1000)
            let parts = calendar.dateComponents([.year, .month], from: date)
            let entry = (parts.year!, parts.month!, point.equity.doubleValue)
            if let last = lastOfMonth.last, last.year == entry.0, last.month == entry.1 { lastOfMonth[lastOfMonth.count - 1] = entry } else { lastOfMonth.append(entry) }
        }
        guard let first = points.first else { return "" }
        var previous = first.equity.doubleValue
        var byYear: [Int: [Int: Double]] = [:]
        for month in lastOfMonth {
            byYear[month.year, default: [:]][month.month] = previous > 0 ? (month.equity / previous - 1) * 100 : 0
            previous = month.equity
        }
        let rows = byYear.keys.sorted().map { year -> [String] in
            [String(year)] + (1...12).map { byYear[year]?[$0].map { String(format: "%+.1f", $0) } ?? "" }
        }
        return HTML.table(columns: ["Year", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], rows: rows, numeric: Set(1...12))
    }
}
