import Foundation
import TradingCore
import TradingEngine

/// The backtests: a form that queues one (traders), the list with two runs to compare, a run's
/// result (the tear sheet's content from the job's stored result) and two runs side by side.
enum BacktestsPage {
    /// The form's fields as typed (shown again with a problem next to its field).
    struct FormValues {
        var symbol: String
        var timeframe: String
        var fast = String(BacktestJobRequest.defaultFast)
        var slow = String(BacktestJobRequest.defaultSlow)
        var cash = BacktestJobRequest.defaultCash
        var commission = BacktestJobRequest.defaultCommission

        /// The fields of a posted form.
        init(_ fields: [String: String]) {
            symbol = fields["symbol"] ?? ""
            timeframe = fields["timeframe"] ?? ""
            fast = fields["fast"] ?? ""
            slow = fields["slow"] ?? ""
            cash = fields["cash"] ?? ""
            commission = fields["commission"] ?? ""
        }

        /// The defaults for a stored series.
        init(symbol: String, timeframe: String) {
            self.symbol = symbol
            self.timeframe = timeframe
        }

        /// The request, or the field that is not a whole number.
        func request() throws -> BacktestJobRequest {
            func whole(_ name: String, _ text: String) throws -> Int {
                guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else { throw ProblemDetails.invalidParameter(name, "must be a whole number") }
                return value
            }
            return BacktestJobRequest(symbol: symbol.trimmingCharacters(in: .whitespaces), timeframe: timeframe.trimmingCharacters(in: .whitespaces),
                                      fast: try whole("fast", fast), slow: try whole("slow", slow),
                                      cash: cash.trimmingCharacters(in: .whitespaces), commission: commission.trimmingCharacters(in: .whitespaces))
        }
    }

    /// The queue form with a fresh idempotency key (a double click or a reload queues once).
    static func form(_ values: FormValues, symbols: [String], problem: (name: String, reason: String)?, session: DashboardSession) -> String {
        func field(_ name: String, _ label: String, _ value: String, width: Int) -> String {
            let error = problem?.name == name ? "<div class=\"field-error\">\(HTML.escape(problem!.reason))</div>" : ""
            let list = name == "symbol" ? " list=\"backtest-symbols\"" : ""
            return "<label>\(label) <input type=\"text\" name=\"\(name)\" value=\"\(HTML.escape(value))\" maxlength=\"\(width)\"\(list)>\(error)</label>"
        }
        return """
            <h2>Queue a backtest</h2>
            <form class="backtest" method="post" action="/ui/backtests"><datalist id="backtest-symbols">\(symbols.map { "<option value=\"\(HTML.escape($0))\">" }.joined())</datalist>
            <input type="hidden" name="form_token" value="\(HTML.escape(session.formToken))"><input type="hidden" name="idempotency_key" value="\(SessionCodec.randomToken())">
            \(field("symbol", "Symbol", values.symbol, width: 32))\(field("timeframe", "Bar", values.timeframe, width: 4))\(field("fast", "Fast SMA", values.fast, width: 5))\
            \(field("slow", "Slow SMA", values.slow, width: 5))\(field("cash", "Cash", values.cash, width: 24))\(field("commission", "Commission", values.commission, width: 12))
            <button class="primary" type="submit">Queue</button></form>
            <p class="note">An sma-cross backtest of the stored bars, run by a worker (<code>orchestrator run</code> or <code>orchestrator worker</code>); commission is a fraction of each fill's notional.</p>
            """
    }

    /// The list, newest first, with a choice of two succeeded runs to compare.
    static func list(_ runs: [BacktestRun], next: Int64?, limit: Int) -> String {
        var html = "<h2>Runs</h2><form method=\"get\" action=\"/ui/backtests/compare\"><table><thead><tr><th>A</th><th>B</th><th>Job</th><th>Backtest</th>"
            + "<th>Status</th><th>Queued</th><th class=\"number\">Return %</th><th class=\"number\">Buy and hold %</th><th class=\"number\">Max drawdown %</th>"
            + "<th class=\"number\">Sharpe</th><th class=\"number\">Trades</th></tr></thead><tbody>"
        for run in runs {
            let comparable = run.result != nil
            func choice(_ name: String) -> String { comparable ? "<input type=\"radio\" name=\"\(name)\" value=\"\(run.job.id)\" aria-label=\"\(name) \(run.job.id)\">" : "" }
            html += "<tr><td>\(choice("a"))</td><td>\(choice("b"))</td><td><a href=\"/ui/backtests/\(run.job.id)\">#\(run.job.id)</a></td>"
                + "<td>\(HTML.escape(run.title))</td><td>\(HTML.escape(run.job.status.rawValue))</td><td>\(HTML.time(run.job.createdAt))</td>"
                + number(run.result?.return_pct) + number(run.result?.buy_and_hold_return_pct) + number(run.result?.max_drawdown_pct)
                + number(run.result?.sharpe_ratio, digits: 3) + "<td class=\"number\">\(run.result.map { String($0.trades) } ?? "")</td></tr>"
        }
        if runs.isEmpty { html += "<tr><td colspan=\"11\" class=\"empty\">no backtest yet</td></tr>" }
        html += "</tbody></table><div class=\"actions\"><button type=\"submit\">Compare A and B</button></div></form>"
        if let next { html += "<div class=\"pager\"><a href=\"/ui/backtests?before=\(next)&amp;limit=\(limit)\">Older runs</a></div>" }
        return html
    }

    /// One run: its status, and once it succeeded the tear sheet's content.
    static func result(_ run: BacktestRun) -> String {
        var html = "<p class=\"note\">\(HTML.escape(run.title)), queued \(HTML.time(run.job.createdAt))"
            + (run.job.finishedAt.map { ", finished \(HTML.time($0))" } ?? "") + ". <a href=\"/ui/backtests\">All runs</a></p>"
        guard let result = run.result else {
            switch run.job.status {
            case .queued, .running:
                // The page looks again every two seconds until the job has finished.
                return html + "<p class=\"notice\" data-refresh=\"2\">\(run.job.status == .queued ? "Queued" : "Running") (attempt \(run.job.attempts)): this page reloads until it has finished.</p>"
            default:
                return html + "<p class=\"problem\">\(HTML.escape(run.job.status.rawValue)) after \(run.job.attempts) attempts"
                    + (run.job.lastError.map { ": " + HTML.escape($0) } ?? "") + "</p>"
            }
        }
        html += "<h2>Metrics</h2>" + HTML.table(columns: ["Metric", "Value"], rows: metricRows.map { [$0.label, $0.value(result)] }, numeric: [1])
        if let curve = result.equity_curve, curve.count >= 2 {
            let times = curve.map { Timestamp(iso8601: $0.time) ?? Timestamp(millisecondsSinceEpoch: 0) }
            let equity = curve.map(\.equity)
            html += SVGChart.lines([SVGChart.Series(name: "buy and hold", values: curve.map(\.buy_and_hold), times: times, color: "#8c959f"),
                                    SVGChart.Series(name: "strategy", values: equity, times: times, color: "#0b5cad")], title: "Equity")
            // The drawdown measured on the whole curve when the result has it (older results: from the kept points).
            let drawdown = curve.allSatisfy { $0.drawdown_pct != nil } ? curve.compactMap(\.drawdown_pct) : Drawdown.percentBelowPeak(equity)
            html += SVGChart.line(drawdown, times: times, title: "Drawdown (% below the highest equity)", height: 160, color: "#cf222e", area: true)
        }
        if let months = result.monthly_returns {
            html += "<h2>Monthly returns (%)</h2>" + PerformancePage.monthlyTable(months.map { MonthlyReturn(year: $0.year, month: $0.month, percent: $0.return_pct) })
        }
        if let trades = result.trade_list {
            // At most `shownTrades` rows keep the page light; the job's result lists the first 500.
            html += "<h2>Trades</h2>" + HTML.table(columns: ["Entry", "Exit", "Size", "Entry price", "Exit price", "Profit"],
                                                   rows: trades.prefix(shownTrades).map { [$0.entry_time, $0.exit_time, $0.size, $0.entry_price, $0.exit_price, $0.profit] },
                                                   numeric: [2, 3, 4, 5], times: [0, 1])
            if result.trades > shownTrades {
                html += "<p class=\"note\">The first \(min(shownTrades, trades.count)) of \(result.trades) trades; the first \(trades.count) are in "
                    + "<code>GET /api/v1/backtests/\(run.job.id)</code>, all of them in <code>orchestrator backtest --trades FILE</code>.</p>"
            }
        }
        return html
    }

    /// Two runs side by side: their metrics in two columns and their equity on one chart, each
    /// rebased to 100 at its start so runs of different cash compare.
    static func comparison(_ first: BacktestRun, _ second: BacktestRun) -> String {
        guard let a = first.result, let b = second.result else {
            return "<p class=\"problem\">Only succeeded runs compare: #\(first.job.id) is \(first.job.status.rawValue), #\(second.job.id) is \(second.job.status.rawValue).</p>"
        }
        var html = HTML.table(columns: ["Metric", "A: #\(first.job.id) \(first.title)", "B: #\(second.job.id) \(second.title)"],
                              rows: metricRows.map { [$0.label, $0.value(a), $0.value(b)] }, numeric: [1, 2])
        var series: [SVGChart.Series] = []
        for (run, color) in [(first, "#0b5cad"), (second, "#9a6700")] {
            guard let curve = run.result?.equity_curve, let start = curve.first?.equity, start > 0 else { continue }
            series.append(SVGChart.Series(name: "#\(run.job.id)", values: curve.map { $0.equity / start * 100 },
                                          times: curve.map { Timestamp(iso8601: $0.time) ?? Timestamp(millisecondsSinceEpoch: 0) }, color: color))
        }
        html += SVGChart.lines(series, title: "Equity, 100 at each run's start")
        return html
    }

    /// The most trades a run's page lists.
    static let shownTrades = 100

    /// The rows of the metrics tables.
    static let metricRows: [(label: String, value: @Sendable (BacktestRun.Result) -> String)] = [
        ("Bars", { "\($0.bars) (\($0.first_bar_time.map { String($0.prefix(10)) } ?? "?") to \($0.last_bar_time.map { String($0.prefix(10)) } ?? "?"))" }),
        ("Fast / slow SMA", { "\($0.fast.map(String.init) ?? "?") / \($0.slow.map(String.init) ?? "?")" }),
        ("Final equity", { $0.final_equity }),
        ("Return %", { format($0.return_pct) }), ("Buy and hold %", { format($0.buy_and_hold_return_pct) }),
        ("Max drawdown %", { format($0.max_drawdown_pct) }), ("Sharpe (backtesting.py)", { format($0.sharpe_ratio, digits: 3) }),
        ("Sortino", { format($0.metrics?["sortino_ratio"] ?? nil, digits: 3) }), ("Calmar", { format($0.metrics?["calmar_ratio"] ?? nil, digits: 3) }),
        ("Annual return %", { format(($0.metrics?["annual_return"] ?? nil).map { $0 * 100 }) }),
        ("Annual volatility %", { format(($0.metrics?["annual_volatility"] ?? nil).map { $0 * 100 }) }),
        ("Win rate %", { format($0.win_rate_pct) }), ("Exposure %", { format($0.exposure_pct) }),
        ("Trades", { String($0.trades) }), ("Fees", { $0.fees ?? "—" }),
    ]

    private static func format(_ value: Double?, digits: Int = 2) -> String {
        guard let value, value.isFinite else { return "—" }
        return String(format: "%.\(digits)f", value)
    }

    private static func number(_ value: Double?, digits: Int = 2) -> String {
        "<td class=\"number\">\(value == nil ? "" : format(value, digits: digits))</td>"
    }
}
