import FeedbackLoop
import Foundation
import Hummingbird
import TradingCore
import TradingEngine

extension DashboardRoutes {
    /// The pages about what the system forecasts and learns: predictions and the feedback loop.
    static func learning(_ dependencies: ServerDependencies) -> [APIRoute] {
        [
            APIRoute(APIOperation(
                .get, "/ui/predictions", id: "getPredictionsPage", tag: .dashboard, summary: "Predictions", role: .viewer, authentication: .session,
                description: "A symbol's newest forecast of each horizon beside its baselines (as `GET /api/v1/predictions/{symbol}` serves and stores them), and the feedback loop's hit rate, interval coverage, Brier score and calibration of that symbol's scored forecasts; a bad symbol or bar length is shown next to its field.",
                parameters: [Schema.query("symbol", "A stored symbol (default: the first stored).", Schema.symbol),
                             Schema.query("timeframe", "The bar length (default: the symbol's shortest OHLCV series).", Schema.timeframe)],
                success: .page("The predictions page."), problems: [.invalidParameter])
            ) { request, context in
                let query = try QueryValidator(request, allowed: ["symbol", "timeframe"])
                let symbols = try await dependencies.store.instruments().filter { $0.series.contains { $0.kind == .ohlcv } }.map(\.instrument.symbol.rawValue)
                let symbolText = try query.value("symbol") ?? symbols.first ?? ""
                let timeframeText = try query.value("timeframe") ?? ""
                var body: String
                var problem: (name: String, reason: String)?
                var shown = ""
                do {
                    guard let symbol = Symbol(symbolText) else { throw ProblemDetails.invalidParameter("symbol", "must be \(Symbol.rule)") }
                    var requested: Timeframe?
                    if !timeframeText.isEmpty {
                        guard let parsed = Timeframe(rawValue: timeframeText) else {
                            throw ProblemDetails.invalidParameter("timeframe", "must be one of \(Timeframe.codes.joined(separator: ", "))")
                        }
                        requested = parsed
                    }
                    let timeframe = try await StoredSeries.timeframe(of: symbol, requested, store: dependencies.store)
                    do {
                        let document = try await PredictionRoutes.forecast(symbolText, timeframe: timeframe, horizons: nil, at: nil, reference: nil, dependencies: dependencies)
                        shown = PredictionsPage.forecasts(document)
                    } catch let error as ProblemDetails where error.kind == .unprocessable {
                        // Too few bars to forecast: said so, and the scored forecasts still shown.
                        shown = "<p class=\"notice\">\(HTML.escape(error.detail))</p>"
                    }
                    shown += try await PredictionsPage.scoring(symbol: symbol, store: dependencies.store)
                } catch let error as ProblemDetails where error.kind == .invalidParameter && !error.fieldErrors.isEmpty {
                    problem = error.fieldErrors[0]
                }
                body = PredictionsPage.form(symbols: symbols, symbol: symbolText, timeframe: timeframeText, problem: problem) + shown
                if symbols.isEmpty { body += "<p class=\"notice\">No bars are stored yet: import some with <code>orchestrator data import</code>.</p>" }
                return DashboardPage.render(title: "Predictions", current: "/ui/predictions", session: try context.dashboardSession(), body: body)
            },
            APIRoute(APIOperation(
                .get, "/ui/feedback", id: "getFeedbackPage", tag: .dashboard, summary: "Feedback loop", role: .viewer, authentication: .session,
                description: "The loop's cycles, scored outcomes and adaptation score; the confidence thresholds; the SUCCESS, FAILURE, OPTIMIZATION and ADAPTATION signals on a timeline and as a list; forecast performance by horizon and regime; the models with their promotions and rollbacks.",
                parameters: [Schema.query("kind", "Only signals of this kind.", Schema.enumeration(LearningSignal.Kind.self))],
                success: .page("The feedback page."), problems: [.invalidParameter])
            ) { request, context in
                let query = try QueryValidator(request, allowed: ["kind"])
                let kind = try query.parsed("kind", accepted: "one of \(LearningSignal.Kind.allCases.map(\.rawValue).joined(separator: ", "))") { LearningSignal.Kind(rawValue: $0) }
                let body = try await FeedbackPage.body(store: dependencies.store, status: try await FeedbackSummaries.statusValue(dependencies), kind: kind, security: dependencies.securityStore, now: dependencies.clock.now(),
                                                      signatureHalfLifeDays: dependencies.settings.signatureHalfLifeDays)
                return DashboardPage.render(title: "Feedback loop", current: "/ui/feedback", session: try context.dashboardSession(), body: body)
            },
        ]
    }
}
