import FeedbackLoop
import Foundation
import SecuritySupervisor
import TradingCore
import TradingEngine

/// The feedback loop: its state and adaptation score, the signals on a timeline and in a list,
/// forecast performance by horizon and regime, the models with their promotions and rollbacks, and
/// the system signatures (routes, jobs and venue endpoints, worst first, with a heat map by hour).
enum FeedbackPage {
    /// The most outcomes a performance table reads (the newest; the feedback and predictions pages).
    static let outcomesRead = 20_000
    /// The most signals the timeline shows.
    static let signalsShown = 500

    /// The colour of each kind of signal.
    static let colors: [LearningSignal.Kind: String] = [.success: "#1a7f37", .failure: "#cf222e", .optimization: "#0b5cad", .adaptation: "#8250df"]

    /// The page's body; `status` is the status document as the API serves it.
    static func body(store: any Store, status: JSONValue, kind: LearningSignal.Kind?, security: any SecurityAlertStore, now: Timestamp,
                     signatureHalfLifeDays: Int) async throws -> String {
        /// A member as text; `fractional` members keep their digits when whole (the stored document reads back 1.0 as 1).
        func text(_ value: JSONValue?, digits: Int = 4, fractional: Bool = false) -> String {
            switch value {
            case .integer(let number)?: fractional ? String(format: "%.\(digits)f", Double(number)) : String(number)
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
            ("Threshold gain", text(status["adaptation_score"]?["threshold_gain_per_decision"], fractional: true),
             "per decision, over \(text(status["adaptation_score"]?["threshold_changes_measured"])) changes"),
            ("Model gain", text(status["adaptation_score"]?["model_gain_nats"], fractional: true), "nats, \(text(status["adaptation_score"]?["promotions"])) promotions"),
        ]
        for (label, value, note) in cards {
            html += "<div class=\"card\"><div class=\"label\">\(HTML.escape(label))</div><div class=\"value\">\(HTML.escape(value))</div><div class=\"note\">\(HTML.escape(note))</div></div>"
        }
        html += "</div><p class=\"note\">The adaptation score measures each change only on outcomes after it."
        // The stored document is served while the current one is computed: say so rather than show two states as one.
        let current = try await store.feedbackRevision()
        if let shown = status["revision"]?.integerValue, shown < current {
            html += " These figures describe the learned state at revision \(shown); that of revision \(current) is being computed."
        }
        html += "</p>"

        html += "<h2>Confidence thresholds</h2>" + HTML.table(
            columns: ["Horizon", "Threshold", "Objective", "Decisions", "Tuned"],
            rows: (status["thresholds"]?.arrayValue ?? []).map { [text($0["horizon"]), text($0["threshold"], fractional: true), text($0["objective"]), text($0["decisions"]), text($0["updated_at"])] },
            numeric: [1, 2, 3], times: [4])

        // Signals: the timeline of the newest, then the newest as a list.
        // OPTIMIZATION and ADAPTATION signals, read once for the timeline and the models' history.
        let learned = try await store.learningSignals(limit: 1000)
        var signals = learned.filter { kind == nil || $0.kind == kind }
        if kind == nil || kind == .success || kind == .failure {
            signals += try await store.outcomes(verdict: kind, limit: signalsShown).map(Representations.signal(of:))
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
        let performance = try await performanceTable(store: store, symbol: nil, byRegime: true)
        html += "<h2>Forecast performance by horizon and regime</h2>"
        html += performance.html
        html += "<p class=\"note\">The newest \(performance.count) scored forecasts; per model and symbol from <code>GET /api/v1/feedback/performance</code>. An 80 % interval should cover about 80 %.</p>"

        // Models: every version, and the ADAPTATION signals that promoted or rolled back.
        html += "<h2>Models</h2>" + HTML.table(
            columns: ["Version", "Role", "Created", "Promoted"],
            rows: (status["models"]?.arrayValue ?? []).map { [text($0["name"]), text($0["role"]), text($0["created_at"]), $0["promoted_at"]?.stringValue ?? ""] },
            times: [2, 3])
        let adaptations = learned.filter { $0.kind == .adaptation }.prefix(50)
        html += "<h3>Promotions and rollbacks</h3>" + HTML.table(columns: ["Time", "Subject", "Rule", "Message"],
                                                                   rows: adaptations.map { [$0.time.iso8601, $0.subject, $0.rule, $0.message] }, times: [0])
        html += try await signatures(store: store, security: security, now: now, halfLifeDays: signatureHalfLifeDays)
        return html
    }

    /// How many subjects the system signature table shows, and how many rows the heat map.
    static let signaturesShown = 30, signatureRowsCharted = 12

    /// The system signatures, worst first, with open anomalies, and the p95 latency of the worst by
    /// hour of the day as a heat map (each row against its own median hour: where its slow hours are).
    static func signatures(store: any Store, security: any SecurityAlertStore, now: Timestamp, halfLifeDays: Int) async throws -> String {
        let subjects = Representations.subjectSignatures(try await store.systemSignatureCells(kind: nil), now: now, halfLifeDays: halfLifeDays)
        let anomalies = try await Representations.signatureAnomalies(security)
        var html = "<h2>System signatures</h2>"
        guard !subjects.isEmpty else {
            return html + "<p class=\"note\">No signature yet: every process counts its API routes, job runs and venue requests and learns them each <code>feedback.signature_window_seconds</code>.</p>"
        }
        func milliseconds(_ value: Double?) -> String { value.map { String(format: "%.3g", $0) } ?? "—" }
        html += HTML.table(columns: ["Kind", "Subject", "Operations", "Success %", "p50 ms", "p95 ms", "p99 ms", "Anomaly"],
                           rows: subjects.prefix(signaturesShown).map { subject in
                               let overall = subject.signature.overall
                               let anomaly = (anomalies[subject.alertFingerprint] ?? [])
                                   .map { "\($0.level.rawValue) on \($0.host) (\($0.role)): \($0.message)" }.joined(separator: "; ")
                               return [subject.kind.rawValue, subject.subject, String(format: "%.0f", overall.weight),
                                       overall.successRate.map { String(format: "%.2f", $0 * 100) } ?? "—",
                                       milliseconds(overall.latency.quantileMilliseconds(0.5)), milliseconds(overall.latency.quantileMilliseconds(0.95)),
                                       milliseconds(overall.latency.quantileMilliseconds(0.99)), anomaly]
                           }, numeric: [2, 3, 4, 5, 6])
        html += "<p class=\"note\">Worst first: the lowest success rate, then the slowest p99. Operations are weights halving every \(halfLifeDays) days; percentiles are bucket bounds (within a factor √2). By hour and load in <code>GET /api/v1/feedback/signatures</code>.</p>"
        return html + heatMap(Array(subjects.prefix(signatureRowsCharted)))
    }

    /// p95 by hour of the day (UTC) for each subject, coloured by its ratio to the subject's median hour.
    static func heatMap(_ subjects: [Representations.SubjectSignature]) -> String {
        let left = 300.0, cell = 26.0, row = 20.0
        let width = left + cell * 24 + 10, height = row * Double(subjects.count) + 30
        var svg = "<figure class=\"chart\"><figcaption>p95 latency by hour of the day (UTC): darker is slower than the subject's usual hour</figcaption>"
        svg += "<svg id=\"signature-heatmap\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"p95 latency by hour\">"
        for hour in stride(from: 0, to: 24, by: 3) {
            svg += "<text x=\"\(left + cell * Double(hour) + cell / 2)\" y=\"12\" font-size=\"10\" fill=\"#5c6773\" text-anchor=\"middle\">\(hour)h</text>"
        }
        for (index, subject) in subjects.enumerated() {
            let y = 18 + row * Double(index)
            let label = subject.subject.count > 44 ? String(subject.subject.prefix(43)) + "…" : subject.subject
            svg += "<text x=\"4\" y=\"\(y + 14)\" font-size=\"11\" fill=\"#24292f\">\(HTML.escape("\(subject.kind.rawValue) \(label)"))</text>"
            let hours = subject.signature.byHour.compactMapValues { $0.latency.quantileMilliseconds(0.95) }
            guard !hours.isEmpty else { continue }
            let usual = hours.values.sorted()[hours.count / 2]
            for (hour, p95) in hours.sorted(by: { $0.key < $1.key }) {
                // 1× the usual hour: pale; 4× or more: darkest.
                let strength = min(max(log2(p95 / usual) / 2, 0), 1)
                let colour = String(format: "rgb(%d,%d,%d)", Int(230 - 180 * strength), Int(240 - 200 * strength), Int(250 - 120 * strength))
                svg += "<rect x=\"\(left + cell * Double(hour))\" y=\"\(y)\" width=\"\(cell - 2)\" height=\"\(row - 3)\" fill=\"\(colour)\">"
                    + "<title>\(HTML.escape("\(subject.subject) at \(hour):00 UTC: p95 \(String(format: "%.3g", p95)) ms"))</title></rect>"
            }
        }
        return svg + "</svg></figure>"
    }

    /// Hit rate, interval coverage, Brier score and log loss of the newest `outcomesRead` scored
    /// forecasts of `symbol` (every symbol when nil) by horizon, and by regime too when `byRegime`,
    /// over every model; with the summaries and how many outcomes they cover. The outcomes are read
    /// a page at a time, oldest first, and only the tracker's small entries are kept.
    static func performanceTable(store: any Store, symbol: Symbol?, byRegime: Bool) async throws
        -> (html: String, summaries: [(key: PerformanceTracker.Key, summary: PerformanceTracker.Summary)], count: Int) {
        var tracker = PerformanceTracker(window: outcomesRead), count = 0
        try await store.forEachOutcomePage(newest: outcomesRead, symbol: symbol, verdict: nil, oldestFirst: true) { page in
            for stored in page {
                tracker.record(stored.outcome, probabilityUp: stored.probabilityUp,
                               key: PerformanceTracker.Key(model: "all", horizon: stored.horizon, symbol: "all", regime: byRegime ? stored.signature.regime : "all"),
                               signature: stored.signature)
            }
            count += page.count
        }
        let summaries = tracker.summaries
        let html = HTML.table(columns: ["Horizon"] + (byRegime ? ["Regime"] : []) + ["Outcomes", "Hit rate %", "Interval coverage %", "Brier", "Log loss"],
                              rows: summaries.map { key, summary in
                                  [key.horizon] + (byRegime ? [key.regime] : []) + [String(summary.count), String(format: "%.1f", summary.accuracy * 100),
                                   String(format: "%.1f", summary.intervalCoverage * 100), String(format: "%.4f", summary.brier), String(format: "%.4f", summary.logLoss)]
                              }, numeric: Set((byRegime ? 2 : 1)...(byRegime ? 6 : 5)))
        return (html, summaries, count)
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
