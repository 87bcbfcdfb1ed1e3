import Foundation
import SecuritySupervisor
import TradingCore
import TradingEngine

/// The overview: is the system healthy and making money, and why is it in its state.
enum OverviewPage {
    /// The page's body for `account`.
    static func body(account: String, notice: String?, session: DashboardSession, dependencies: ServerDependencies) async throws -> String {
        var html = ""
        switch notice {
        case "queued": html += "<div class=\"notice\">Queued: the running engine applies it before its next bar.</div>"
        case "repeated": html += "<div class=\"notice\">Already sent: this confirmation had been used, nothing new was queued.</div>"
        default: break
        }
        html += try await trading(account: account, session: session, store: dependencies.store)
        html += await system(dependencies: dependencies)
        html += try await supervisor(dependencies.securityStore)
        html += try await feedback(dependencies)
        return html
    }

    private static func card(_ label: String, _ value: String, note: String = "", valueClass: String = "", field: String? = nil) -> String {
        let live = field.map { " data-field=\"\($0)\"" } ?? ""
        return "<div class=\"card\"><div class=\"label\">\(HTML.escape(label))</div><div class=\"value \(valueClass)\"\(live)>\(HTML.escape(value))</div>"
            + (note.isEmpty ? "" : "<div class=\"note\">\(HTML.escape(note))</div>") + "</div>"
    }

    private static func signed(_ value: Double) -> String { value > 0 ? "positive" : value < 0 ? "negative" : "" }

    private static func money(_ text: String?) -> String {
        guard let text, let value = Double(text) else { return text ?? "—" }
        return String(format: "%.2f", value)
    }

    /// State, equity, P&L, drawdown, exposure and the controls.
    static func trading(account: String, session: DashboardSession, store: any Store) async throws -> String {
        let portfolio: JSONValue
        do {
            let (record, checkpoint) = try await TradingRoutes.state(account, store: store)
            portfolio = try Representations.portfolio(account: record, checkpoint: checkpoint)
        } catch let problem as ProblemDetails where problem.kind == .notFound {
            return "<h2>Trading</h2><p class=\"notice\">No trading account \u{201C}\(HTML.escape(account))\u{201D} has traded yet: start one with <code>orchestrator run</code>.</p>"
        }
        let marks = try await store.equityHistory(account: account, limit: 100_000)
        let state = portfolio["state"]?.stringValue ?? "?"
        // Why: the newest change of state the gate recorded, with its reason.
        let change = try await store.tradingAlerts(account: account, limit: 200).first { $0.message.contains("→") }
        let equity = Double(portfolio["equity"]?.stringValue ?? "") ?? 0
        let pnl = Double(portfolio["pnl"]?.stringValue ?? "") ?? 0
        var today = 0.0, drawdown = 0.0
        if let last = marks.last {
            // Today: since the last mark of the day before the newest mark's day (UTC), else since the first mark.
            let day = last.time.millisecondsSinceEpoch / 86_400_000
            let base = marks.last { $0.time.millisecondsSinceEpoch / 86_400_000 < day } ?? marks.first!
            today = equity - base.equity.doubleValue
            let peak = marks.map(\.equity.doubleValue).max() ?? equity
            drawdown = peak > 0 ? (peak - last.equity.doubleValue) / peak * 100 : 0
        }
        var html = "<h2>Trading · \(HTML.escape(account)) <span class=\"live\" data-events=\"/ui/events?account=\(HTML.urlEncoded(account))\">live</span></h2><div class=\"cards\">"
        html += card("State", state, note: change.map { "\($0.rule): \($0.message)" } ?? "no change of state recorded", valueClass: "state-\(state)",
                     field: "state")
        html += card("Equity", money(portfolio["equity"]?.stringValue), note: "capital \(money(portfolio["capital"]?.stringValue))", field: "equity")
        html += card("P&L today", String(format: "%+.2f", today), note: "since the previous day's last mark", valueClass: signed(today))
        html += card("P&L total", String(format: "%+.2f", pnl), note: String(format: "%+.2f %%", portfolio["return_pct"].flatMap(number) ?? 0), valueClass: signed(pnl))
        html += card("Drawdown", String(format: "%.2f %%", drawdown), note: "below the highest equity mark")
        html += card("Exposure", String(format: "%.1f %%", portfolio["exposure_pct"].flatMap(number) ?? 0),
                     note: "\(portfolio["positions"]?.integerValue ?? 0) positions, \(portfolio["pending_orders"]?.integerValue ?? 0) orders pending")
        // The bar's close time, written short: 2011-06-10 00:00.
        let asOf = portfolio["as_of"]?.stringValue.map { String($0.prefix(16)).replacingOccurrences(of: "T", with: " ") } ?? "—"
        html += card("Last bar", asOf, note: "\(portfolio["bars_processed"]?.integerValue ?? 0) bars processed", field: "last-bar")
        html += "</div>"
        if session.principal.role.satisfies(.trader) {
            let suffix = account == "paper" ? "" : "?account=\(HTML.urlEncoded(account))"
            html += "<div class=\"actions\">"
            if state == TradingState.halted.rawValue {
                html += "<a class=\"button primary\" href=\"/ui/controls/resume\(suffix)\">Resume…</a>"
            } else {
                html += "<a class=\"button danger\" href=\"/ui/controls/halt\(suffix)\">Halt…</a>"
                html += "<a class=\"button danger\" href=\"/ui/controls/flatten\(suffix)\">Halt and flatten…</a>"
                if state == TradingState.reducing.rawValue { html += "<a class=\"button\" href=\"/ui/controls/resume\(suffix)\">Resume…</a>" }
            }
            html += "</div>"
        }
        return html
    }

    private static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let number): number
        case .integer(let number): Double(number)
        default: nil
        }
    }

    /// The feed and the venue of this process.
    static func system(dependencies: ServerDependencies) async -> String {
        let status = await dependencies.venueStatus?()
        var html = "<h2>Feed and venue</h2><div class=\"cards\">"
        if let feed = status?.feed {
            let lag = feed.newestBarClose.map { Double(dependencies.clock.now().millisecondsSinceEpoch - $0.millisecondsSinceEpoch) / 1000 }
            html += card("Feed", feed.connected ? "connected" : "disconnected", note: "\(feed.name); newest bar \(lag.map { String(format: "%.0f s ago", $0) } ?? "none yet")",
                         valueClass: feed.connected ? "positive" : "negative")
            html += card("Gaps healed", String(feed.gapsHealed), note: "\(feed.reconnects) reconnects, \(feed.barsHealed) bars healed")
        } else {
            html += card("Feed", "none", note: "this process runs no live feed (a replay, or the API alone)")
        }
        html += card("Venue", status?.venue ?? "none", note: status?.activity.map { "\($0.ordersInFlight) orders in flight, \($0.unknownOutcomes) unknown" } ?? "orders simulated or none")
        return html + "</div>"
    }

    /// The security score and the open alerts by level.
    static func supervisor(_ store: any SecurityAlertStore) async throws -> String {
        let sweep = try await store.latestSweep()
        let open = try await store.securityAlerts(includeResolved: false, limit: 1000)
        var html = "<h2>Supervisor</h2><div class=\"cards\">"
        html += card("Security score", sweep.map { String($0.score) } ?? "—", note: sweep.map { "sweep at \($0.time.iso8601)" } ?? "no sweep has run yet",
                     valueClass: sweep.map { $0.score >= 80 ? "positive" : $0.score < 50 ? "negative" : "" } ?? "")
        for level in AlertLevel.allCases.reversed() {
            let count = open.filter { $0.level == level }.count
            html += card("\(level.rawValue) alerts", String(count), valueClass: count > 0 && level >= .error ? "negative" : "")
        }
        return html + "</div>"
    }

    /// The feedback loop's last cycle and adaptation score.
    static func feedback(_ dependencies: ServerDependencies) async throws -> String {
        let status = try await FeedbackSummaries.statusValue(dependencies)
        let score = status["adaptation_score"]
        var html = "<h2>Feedback loop</h2><div class=\"cards\">"
        html += card("Last cycle", status["last_cycle_at"]?.stringValue ?? "none yet", note: "\(status["learning_cycles"]?.integerValue ?? 0) cycles")
        html += card("Outcomes", "\(status["outcomes"]?["success"]?.integerValue ?? 0) ✓ / \(status["outcomes"]?["failure"]?.integerValue ?? 0) ✗",
                     note: "scored forecasts")
        let gain = score?["threshold_gain_per_decision"].flatMap(number)
        html += card("Adaptation", gain.map { String(format: "%+.4f", $0) } ?? "—",
                     note: (gain == nil ? "not measured yet: " : "") + "gain per decision from re-tuned thresholds; \(score?["promotions"]?.integerValue ?? 0) promotions")
        return html + "</div>"
    }
}
