import Foundation
import SecuritySupervisor
import TradingCore
import TradingEngine

/// The supervisor's page: the last sweep's checks with their values and thresholds, the score with
/// each deduction (what it means and what removes it), and the alerts with the process that
/// observed each, with an acknowledge button for traders.
enum SupervisorPage {
    /// The page's body.
    static func body(session: DashboardSession, includeResolved: Bool, notice: String?, dependencies: ServerDependencies) async throws -> String {
        var html = notice == "acknowledged" ? "<div class=\"notice\">Acknowledged: the alert stays open until its condition clears.</div>" : ""
        let store = dependencies.securityStore
        guard let sweep = try await store.latestSweep() else {
            return html + "<p class=\"notice\">No sweep has run yet: `serve` and `run` sweep every security.check_interval_seconds (60 by default).</p>"
        }
        let health = try JSONSerialization.jsonObject(with: Data(sweep.health.utf8)) as? [String: Any] ?? [:]
        let security = try JSONSerialization.jsonObject(with: Data(sweep.security.utf8)) as? [String: Any] ?? [:]
        html += "<h2>Score \(sweep.score) / 100</h2><p class=\"note\">Sweep at \(HTML.escape(sweep.time.iso8601)).</p>"
        let deductions = (security["deductions"] as? [[String: Any]] ?? []).map {
            [String($0["points"] as? Int ?? 0), $0["reason"] as? String ?? "", $0["meaning"] as? String ?? "", $0["remedy"] as? String ?? ""]
        }
        html += HTML.table(columns: ["Points", "Deduction", "Meaning", "Fix"], rows: deductions, numeric: [0])
        html += "<h2>Checks</h2>"
        let checks = (health["checks"] as? [[String: Any]] ?? []).map { check -> [String] in
            [check["name"] as? String ?? "", check["status"] as? String ?? "", (check["value"] as? Double).map { String(format: "%.2f", $0) } ?? "",
             check["threshold"] as? String ?? "", check["message"] as? String ?? ""]
        }
        html += HTML.table(columns: ["Check", "Status", "Value", "Threshold", "Message"], rows: checks, numeric: [2])
        let alerts = try await store.securityAlerts(includeResolved: includeResolved, limit: 200)
        html += "<h2>Alerts</h2><p class=\"note\">" + (includeResolved ? "Open and resolved. <a href=\"/ui/supervisor\">Open only</a>"
                                                                       : "Open ones. <a href=\"/ui/supervisor?include_resolved=true\">Also resolved</a>") + "</p>"
        html += "<table><thead><tr><th>Level</th><th>Source</th><th>Alert</th><th>Observed by</th><th>Last seen</th><th class=\"number\">Seen</th><th>Acknowledged</th></tr></thead><tbody>"
        let mayAcknowledge = session.principal.role.satisfies(.trader)
        for alert in alerts {
            var acknowledged = alert.acknowledgedAt.map { HTML.escape("\($0.iso8601) by \(alert.acknowledgedBy ?? "?")") } ?? ""
            if alert.acknowledgedAt == nil && alert.resolvedAt == nil && mayAcknowledge {
                acknowledged = """
                    <form method="post" action="/ui/alerts/\(alert.id)/ack"><input type="hidden" name="form_token" value="\(HTML.escape(session.formToken))">\
                    <button type="submit">Acknowledge</button></form>
                    """
            }
            let level = alert.level >= .error ? "negative" : ""
            html += "<tr><td class=\"\(level)\">\(alert.level.rawValue)</td><td>\(alert.source.rawValue)</td>"
                + "<td>\(HTML.escape(alert.title))<div class=\"note\">\(HTML.escape(alert.message))</div></td>"
                + "<td>\(HTML.escape(alert.host.isEmpty ? "" : "\(alert.role) on \(alert.host)"))</td>"
                + "<td>\(HTML.escape(alert.lastSeen.iso8601))</td><td class=\"number\">\(alert.count)</td><td>\(acknowledged)</td></tr>"
        }
        if alerts.isEmpty { html += "<tr><td colspan=\"7\" class=\"empty\">no alert</td></tr>" }
        return html + "</tbody></table>"
    }
}
