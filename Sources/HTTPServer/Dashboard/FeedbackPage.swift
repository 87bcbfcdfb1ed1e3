import FeedbackLoop
import Foundation
import TradingCore
import TradingEngine

/// The feedback loop: its state and adaptation score, the signals on a timeline and in a list,
/// forecast performance by horizon and regime, and the models with their promotions and rollbacks.
enum FeedbackPage {
    /// The most outcomes the performance table reads (newest first).
    static let outcomesRead = 20_000
    /// The most signals the timeline shows.
    static let signalsShown = 500

    /// The colour of each kind of signal.
    static let colors: [LearningSignal.Kind: String] = [.success: "#1a7f37", .failure: "#cf222e", .optimization: "#0b5cad", .adaptation: "#8250df"]

    /// The page's body.
    static func body(store: any Store, kind: LearningSignal.Kind?) async throws -> String {
        let status = try await Representations.feedbackStatus(store)
        func text(_ value: JSONValue?, digits: Int = 4) -> String {
            switch value {
            case .integer(let number)?: String(number)
            case .number(let number)?: number.isFinite ? String(format: "%.\(digits)f", number) : "—"
            case .string(let text)?: text
            default: "—"
            }
        }
        var html = "<div class=\"cards\">"
        let cards: [(String, String, String)] = [
            ("Learning cycles", text(status["learning_cycles"]), status["last_cycle_at"]?.stringValue.map { "last \(String($0.prefix(16)).replacingOccurrences(of: "T", with: " "))" } ?? "none yet"),
            ("Forecasts scored", "\(text(status["outcomes"]?["success"])) / \(text(status["outcomes"]?["failure"]))", "success / failure"),
            ("Decisions", "\(text(status["decisions"]?["success"])) / \(text(status["decisions"]?["failure"]))", "net P&L \(text(status["decisions"]?["net_pnl"]))"),
            ("Threshold gain", text(status["adaptation_score"]?["threshold_gain_per_decision"]),
             "per decision, over \(text(status["adaptation_score"]?["threshold_changes_measured"])) changes"),
            ("Model gain", text(status["adaptation_score"]?["model_gain_nats"]), "nats, \(text(status["adaptation_score"]?["promotions"])) promotions"),
        ]
        for (label, value, note) in cards {
            html += "<div class=\"card\"><div class=\"label\">\(HTML.escape(label))</div><div class=\"value\">\(HTML.escape(value))</div><div class=\"note\">\(HTML.escape(note))</div></div>"
        }
        html += "</div><p class=\"note\">The adaptation score measures each change only on outcomes after it.</p>"

        html += "<h2>Confidence thresholds</h2>" + HTML.table(
            columns: ["Horizon", "Threshold", "Objective", "Decisions", "Tuned"],
            rows: (status["thresholds"]?.arrayValue ?? []).map { [text($0["horizon"]), text($0["threshold"]), text($0["objective"]), text($0["decisions"]), text($0["updated_at"])] },
            numeric: [1, 2, 3], times: [4])

        // Signals: the timeline of the newest, then the newest as a list.
        // OPTIMIZATION and ADAPTATION signals, read once for the timeline and the models' history.
        let learned = try await store.learningSignals(limit: 1000)
        var signals = learned.filter { kind == nil || $0.kind == kind }
        if kind == nil || kind == .success || kind == .failure {
            signals += try await store.outcomes(limit: signalsShown * (kind == nil ? 1 : 4)).filter { kind == nil || $0.outcome.verdict == kind }
                .map(Representations.signal(of:))
        }
        signals = Array(signals.sorted { $0.time > $1.time }.prefix(signalsShown))
        html += "<h2>Signals</h2><p class=\"note\">" + ([nil] + LearningSignal.Kind.allCases).map { choice -> String in
            let name = choice?.rawValue ?? "all"
            return choice == kind ? "<strong>\(name)</strong>" : "<a href=\"/ui/feedback\(choice.map { "?kind=\($0.rawValue)" } ?? "")\">\(name)</a>"
        }.joined(separator: " · ") + "</p>"
        html += timeline(signals)
        html += HTML.table(columns: ["Kind", "Time", "Subject", "Rule", "Message"],
                           rows: signals.prefix(50).map { [$0.kind.rawValue, $0.time.iso8601, $0.subject, $0.rule, $0.message] }, times: [1])

        // Performance by horizon and regime over every model and symbol.
        let outcomes = try await store.outcomes(limit: outcomesRead)
        html += "<h2>Forecast performance by horizon and regime</h2>"
        html += performanceTable(outcomes, byRegime: true).html
        html += "<p class=\"note\">The newest \(outcomes.count) scored forecasts; per model and symbol from <code>GET /api/v1/feedback/performance</code>. An 80 % interval should cover about 80 %.</p>"

        // Models: every version, and the ADAPTATION signals that promoted or rolled back.
        html += "<h2>Models</h2>" + HTML.table(
            columns: ["Version", "Role", "Created", "Promoted"],
            rows: (status["models"]?.arrayValue ?? []).map { [text($0["name"]), text($0["role"]), text($0["created_at"]), $0["promoted_at"]?.stringValue ?? ""] },
            times: [2, 3])
        let adaptations = learned.filter { $0.kind == .adaptation }.prefix(50)
        html += "<h3>Promotions and rollbacks</h3>" + HTML.table(columns: ["Time", "Subject", "Rule", "Message"],
                                                                   rows: adaptations.map { [$0.time.iso8601, $0.subject, $0.rule, $0.message] }, times: [0])
        return html
    }

    /// Hit rate, interval coverage, Brier score and log loss of `outcomes` (newest first) by
    /// horizon, and by regime too when `byRegime`, over every model and symbol; with the summaries.
    static func performanceTable(_ outcomes: [StoredOutcome], byRegime: Bool) -> (html: String, summaries: [(key: PerformanceTracker.Key, summary: PerformanceTracker.Summary)]) {
        var tracker = PerformanceTracker(window: max(outcomes.count, 1))
        for stored in outcomes.reversed() {
            tracker.record(stored.outcome, probabilityUp: stored.probabilityUp,
                           key: PerformanceTracker.Key(model: "all", horizon: stored.horizon, symbol: "all", regime: byRegime ? stored.signature.regime : "all"),
                           signature: stored.signature)
        }
        let summaries = tracker.summaries
        let html = HTML.table(columns: ["Horizon"] + (byRegime ? ["Regime"] : []) + ["Outcomes", "Hit rate %", "Interval coverage %", "Brier", "Log loss"],
                              rows: summaries.map { key, summary in
                                  [key.horizon] + (byRegime ? [key.regime] : []) + [String(summary.count), String(format: "%.1f", summary.accuracy * 100),
                                   String(format: "%.1f", summary.intervalCoverage * 100), String(format: "%.4f", summary.brier), String(format: "%.4f", summary.logLoss)]
                              }, numeric: Set((byRegime ? 2 : 1)...(byRegime ? 6 : 5)))
        return (html, summaries)
    }

    /// The signals as dots on a time axis, one row per kind.
    static func timeline(_ signals: [LearningSignal]) -> String {
        guard let first = signals.map(\.time).min(), let last = signals.map(\.time).max() else {
            return "<p class=\"note\">No signal yet: forecasts are scored when their horizon has passed.</p>"
        }
        let width = 960.0, left = 110.0, right = width - 10, row = 22.0
        let kinds = LearningSignal.Kind.allCases
        let duration = max(1, Double(last.millisecondsSinceEpoch - first.millisecondsSinceEpoch))
        var svg = "<figure class=\"chart\"><figcaption>Signals over time</figcaption>"
        svg += "<svg id=\"signal-timeline\" viewBox=\"0 0 \(Int(width)) \(Int(row * Double(kinds.count) + 24))\" role=\"img\" aria-label=\"signals over time\">"
        for (index, kind) in kinds.enumerated() {
            let y = row * Double(index) + 14
            svg += "<text x=\"4\" y=\"\(y + 4)\" font-size=\"11\" fill=\"#5c6773\">\(kind.rawValue)</text>"
            svg += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(right)\" y2=\"\(y)\" stroke=\"#d8dee4\"/>"
            for signal in signals where signal.kind == kind {
                let x = left + (right - left) * Double(signal.time.millisecondsSinceEpoch - first.millisecondsSinceEpoch) / duration
                svg += "<circle cx=\(String(format: "\"%.1f\"", x)) cy=\"\(y)\" r=\"3.5\" fill=\"\(colors[kind] ?? "#000")\" fill-opacity=\"0.7\"><title>\(HTML.escape(signal.message))</title></circle>"
            }
        }
        let bottom = row * Double(kinds.count) + 18
        svg += "<text x=\"\(left)\" y=\"\(bottom)\" font-size=\"11\" fill=\"#5c6773\">\(HTML.escape(String(first.iso8601.prefix(16))))</text>"
        svg += "<text x=\"\(right)\" y=\"\(bottom)\" font-size=\"11\" fill=\"#5c6773\" text-anchor=\"end\">\(HTML.escape(String(last.iso8601.prefix(16))))</text>"
        return svg + "</svg></figure>"
    }
}
