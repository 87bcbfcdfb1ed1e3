import Foundation
import TradingCore
import TradingEngine

/// How the account has done: its equity and drawdown over time (drawn as SVG on the server), its
/// returns month by month, and the metrics of `/api/v1/portfolio/metrics`.
enum PerformancePage {
    /// The page's body for `account`.
    static func body(account: String, store: any Store) async throws -> String {
        let (_, checkpoint) = try await TradingRoutes.state(account, store: store)
        let points = try await store.equityHistory(account: account, limit: 1_000_000)
        let equity = points.map(\.equity.doubleValue), times = points.map(\.time)
        let drawdown = Drawdown.percentBelowPeak(equity)
        var html = "<p class=\"note\">Account \(HTML.escape(account)), \(points.count) marks.</p>"
        let symbols = checkpoint.marks.keys.sorted { $0.rawValue < $1.rawValue }
        if let benchmark = try await buyAndHold(symbols: symbols, points: points, store: store) {
            html += SVGChart.lines([SVGChart.Series(name: "buy and hold", values: benchmark, times: times, color: "#8c959f"),
                                    SVGChart.Series(name: "account", values: equity, times: times, color: "#0b5cad")], title: "Equity")
            html += "<p class=\"note\">Buy and hold: \(HTML.escape(symbols.map(\.rawValue).joined(separator: ", "))) in equal parts at the first mark's closes, "
                + "never rebalanced, no costs: \(String(format: "%+.2f", (benchmark.last! / benchmark[0] - 1) * 100)) % against the account's "
                + "\(String(format: "%+.2f", (equity.last! / equity[0] - 1) * 100)) %.</p>"
        } else {
            html += SVGChart.line(equity, times: times, title: "Equity")
        }
        html += SVGChart.line(drawdown, times: times, title: "Drawdown (% below the highest mark)", height: 160, color: "#cf222e", area: true)
        // A mark at a close time belongs to the period before it (a daily close at midnight of the 1st, to the month before).
        html += "<h2>Monthly returns (%)</h2>" + monthlyTable(MonthlyReturn.of(equity, at: times.map { $0.adding(milliseconds: -1) }))
        html += "<h2>P&amp;L by symbol</h2>" + (try await profitBySymbol(account: account, checkpoint: checkpoint, store: store))
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

    /// The value at each mark of the account's first equity invested in `symbols` in equal parts at
    /// the closes known at the first mark, never rebalanced (nil without a close of each by then).
    static func buyAndHold(symbols: [Symbol], points: [EquityPoint], store: any Store) async throws -> [Double]? {
        guard let first = points.first, let last = points.last, !symbols.isEmpty, points.count >= 2 else { return nil }
        let instruments = try await store.instruments()
        var curves: [[Double]] = []
        // The series whose bars the marks were taken on: the longest bar length not above the marks' usual spacing.
        let spacing = zip(points.dropFirst(), points).map { $0.time.millisecondsSinceEpoch - $1.time.millisecondsSinceEpoch }.sorted()[(points.count - 1) / 2]
        for symbol in symbols {
            let stored = StoredSeries.timeframes(of: symbol, in: instruments)
            guard let timeframe = stored.last(where: { $0.milliseconds <= spacing }) ?? stored.first else { return nil }
            let bars = try await store.bars(BarQuery(symbol: symbol, timeframe: timeframe, start: first.time.adding(milliseconds: -timeframe.milliseconds * 10),
                                                     end: last.time, limit: 2_000_000)).bars
            let closes = bars.map { (time: $0.openTime.millisecondsSinceEpoch + timeframe.milliseconds, close: Double($0.close) ?? .nan) }
            var index = -1
            var curve: [Double] = []
            for point in points {
                // The newest close at or before the mark (no later bar is read).
                while index + 1 < closes.count && closes[index + 1].time <= point.time.millisecondsSinceEpoch { index += 1 }
                guard index >= 0 || !curve.isEmpty else { return nil }
                curve.append(index >= 0 ? closes[index].close : curve[curve.count - 1])
            }
            guard let base = curve.first, base > 0 else { return nil }
            curves.append(curve.map { $0 / base })
        }
        let start = first.equity.doubleValue
        return points.indices.map { index in start * curves.reduce(0) { $0 + $1[index] } / Double(curves.count) }
    }

    /// One symbol's profit.
    struct SymbolProfit {
        let symbol: Symbol
        let fills: Int
        let fees: FixedDecimal
        let quantity: FixedDecimal
        let heldValue: FixedDecimal
        let total: FixedDecimal
    }

    /// The table of `profits`, best first.
    static func profitBySymbol(account: String, checkpoint: SessionCheckpoint, store: any Store) async throws -> String {
        let rows = try await profits(account: account, checkpoint: checkpoint, store: store).sorted { $0.total > $1.total }.map {
            [$0.symbol.rawValue, String($0.fills), $0.fees.description, $0.quantity.description, $0.heldValue.description, $0.total.description]
        }
        return HTML.table(columns: ["Symbol", "Fills", "Fees", "Held", "Held value", "P&L"], rows: rows, numeric: [1, 2, 3, 4, 5])
            + "<p class=\"note\">Sales less purchases and fees, plus the position at the last mark's price; realised and unrealised together.</p>"
    }

    /// Each symbol's profit since the account began: what its sales brought in less what its
    /// purchases and fees cost, plus what is held at the last mark (exact decimals).
    static func profits(account: String, checkpoint: SessionCheckpoint, store: any Store) async throws -> [SymbolProfit] {
        let fills = try await store.tradingFills(account: account, limit: 10_000_000)
        var flows: [Symbol: (cash: FixedDecimal, fees: FixedDecimal, count: Int)] = [:]
        for fill in fills {
            let notional = try fill.quantity.multiplied(by: fill.price)
            var flow = flows[fill.symbol] ?? (.zero, .zero, 0)
            flow.cash = (fill.side == .sell ? flow.cash + notional : flow.cash - notional) - fill.fee
            flow.fees = flow.fees + fill.fee
            flow.count += 1
            flows[fill.symbol] = flow
        }
        let ledger = Ledger(snapshot: checkpoint.ledger)
        let symbols = Set(flows.keys).union(ledger.positions.keys).sorted { $0.rawValue < $1.rawValue }
        return try symbols.map { symbol in
            let quantity = ledger.positions[symbol]?.quantity ?? .zero
            let held = try ledger.value(of: symbol, prices: checkpoint.marks)
            let flow = flows[symbol] ?? (.zero, .zero, 0)
            return SymbolProfit(symbol: symbol, fills: flow.count, fees: flow.fees, quantity: quantity, heldValue: held, total: flow.cash + held)
        }
    }

    /// The monthly returns as a year × month table.
    static func monthlyTable(_ returns: [MonthlyReturn]) -> String {
        var byYear: [Int: [Int: Double]] = [:]
        for entry in returns { byYear[entry.year, default: [:]][entry.month] = entry.percent }
        let rows = byYear.keys.sorted().map { year -> [String] in
            [String(year)] + (1...12).map { byYear[year]?[$0].map { String(format: "%+.1f", $0) } ?? "" }
        }
        return HTML.table(columns: ["Year", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], rows: rows, numeric: Set(1...12))
    }
}
