import SecuritySupervisor
import TradingCore
import TradingEngine

/// The audit trail: the account's changes of state and the risk gate's alerts (operators' halts
/// and resumes among them, with who sent them), the supervisor's alerts and the feedback loop's
/// signals, newest first.
enum EventsPage {
    /// The page's body: the newest `limit` entries of each source, merged by time.
    static func body(account: String, dependencies: ServerDependencies, limit: Int = 200) async throws -> String {
        var rows: [(time: Timestamp, cells: [String])] = []
        for alert in try await dependencies.store.tradingAlerts(account: account, limit: limit) {
            rows.append((alert.time, [alert.time.iso8601, alert.message.contains("→") ? "state" : "risk", alert.level, alert.rule, alert.message]))
        }
        for alert in try await dependencies.securityStore.securityAlerts(includeResolved: true, limit: limit) {
            rows.append((alert.firstSeen, [alert.firstSeen.iso8601, "supervisor", alert.level.rawValue, alert.source.rawValue, alert.title]))
        }
        for signal in try await dependencies.store.learningSignals(limit: limit) {
            rows.append((signal.time, [signal.time.iso8601, "feedback", signal.kind.rawValue, signal.rule, signal.message]))
        }
        let newest = rows.sorted { $0.time > $1.time }.prefix(limit).map(\.cells)
        return "<p class=\"note\">Account \(HTML.escape(account)): the newest \(limit) of each source, newest first.</p>"
            + HTML.table(columns: ["Time", "Source", "Level", "Rule", "What"], rows: Array(newest))
    }
}
