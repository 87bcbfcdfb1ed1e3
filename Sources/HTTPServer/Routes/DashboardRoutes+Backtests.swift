import Foundation
import Hummingbird
import TradingCore
import TradingEngine

extension DashboardRoutes {
    /// The backtests' pages: the list with the queue form, a run's result, two runs compared, and
    /// the form's target.
    static func backtests(_ dependencies: ServerDependencies) -> [APIRoute] {
        let store = dependencies.store
        /// The list page's body, with the form as typed (and its problem) or with defaults.
        @Sendable func listBody(_ query: QueryValidator?, values: BacktestsPage.FormValues?, problem: (name: String, reason: String)?,
                                session: DashboardSession) async throws -> String {
            let series = try await store.instruments().flatMap { summary in
                summary.series.filter { $0.kind == .ohlcv }.sorted { $0.timeframe < $1.timeframe }.map { (summary.instrument.symbol.rawValue, $0.timeframe.rawValue) }
            }
            var html = ""
            if session.principal.role.satisfies(.trader) {
                let defaults = BacktestsPage.FormValues(symbol: series.first?.0 ?? "", timeframe: series.first?.1 ?? BacktestJobRequest.defaultTimeframe)
                html += BacktestsPage.form(values ?? defaults, symbols: Array(Set(series.map(\.0))).sorted(), problem: problem, session: session)
            }
            let (runs, next, limit) = try await BacktestRoutes.page(query ?? QueryValidator(), store: store)
            return html + BacktestsPage.list(runs, next: next, limit: limit)
        }
        /// A backtest job by the id in `name` of the path or query.
        @Sendable func run(_ text: String?, name: String) async throws -> BacktestRun {
            guard let text, let id = Int64(text), id > 0 else { throw ProblemDetails.invalidParameter(name, "must be a positive integer") }
            guard let job = try await store.job(id: id), job.kind == "backtest" else { throw ProblemDetails(.notFound, detail: "no backtest has id \(id)") }
            return BacktestRun(job)
        }
        return [
            APIRoute(APIOperation(
                .get, "/ui/backtests", id: "getBacktestsPage", tag: .dashboard, summary: "Backtests", role: .viewer, authentication: .session,
                description: "The backtest jobs, newest first, with two to compare; for traders, a form that queues one.",
                parameters: [Schema.query("limit", "How many (1–100, default 20).", ["type": "integer", "minimum": 1, "maximum": 100]),
                             Schema.query("before", "Only jobs with a lower id.", ["type": "integer", "minimum": 1])],
                success: .page("The backtests."), problems: [.invalidParameter])
            ) { request, context in
                let query = try QueryValidator(request, allowed: ["limit", "before"])
                let session = try context.dashboardSession()
                let body = try await listBody(query, values: nil, problem: nil, session: session)
                return DashboardPage.render(title: "Backtests", current: "/ui/backtests", session: session, body: body)
            },
            APIRoute({
                var operation = APIOperation(
                .post, "/ui/backtests", id: "queueBacktestFromPage", tag: .dashboard, summary: "Queue a backtest", role: .trader, authentication: .session,
                description: "Checks the form as `POST /api/v1/backtests` checks its body (a problem is shown next to its field, nothing queued) and queues the backtest once per idempotency key.",
                success: .redirect("To the run's page."), problems: [.invalidParameter, .unsupportedMediaType, .payloadTooLarge])
                operation.formPageOnProblem = true
                return operation
            }()) { request, context in
                let session = try context.dashboardSession()
                let form = try await DashboardForm.read(request) { dependencies.settings.sessions.isFormToken($0, for: session.token) }
                guard let key = form.fields["idempotency_key"], (16...190).contains(key.count) else {
                    throw ProblemDetails.invalidParameter("idempotency_key", "is missing: send the form of the backtests page")
                }
                let values = BacktestsPage.FormValues(form.fields)
                do {
                    let job = try await BacktestRoutes.enqueue(try values.request(), idempotencyKey: "ui-backtest:\(session.principal.keyID):\(key)",
                                                               dependencies: dependencies)
                    return DashboardPage.redirect(to: "/ui/backtests/\(job.id)")
                } catch let problem as ProblemDetails where problem.kind == .invalidParameter && !problem.fieldErrors.isEmpty {
                    // Shown next to its field with what was typed; the same reason the API gives.
                    let body = try await listBody(nil, values: values, problem: problem.fieldErrors[0], session: session)
                    return DashboardPage.render(title: "Backtests", current: "/ui/backtests", session: session, body: body, status: problem.status)
                }
            },
            APIRoute(APIOperation(
                .get, "/ui/backtests/compare", id: "getBacktestComparison", tag: .dashboard, summary: "Two backtests compared", role: .viewer,
                authentication: .session, description: "Two succeeded runs side by side: their metrics, and their equity rebased to 100 on one chart.",
                parameters: [Schema.query("a", required: true, "A backtest's job id.", ["type": "integer", "minimum": 1]),
                             Schema.query("b", required: true, "Another backtest's job id.", ["type": "integer", "minimum": 1])],
                success: .page("The comparison."), problems: [.invalidParameter, .notFound])
            ) { request, context in
                let query = try QueryValidator(request, allowed: ["a", "b"])
                let first = try await run(try query.value("a"), name: "a"), second = try await run(try query.value("b"), name: "b")
                return DashboardPage.render(title: "Backtests #\(first.job.id) and #\(second.job.id)", current: "/ui/backtests",
                                            session: try context.dashboardSession(), body: BacktestsPage.comparison(first, second))
            },
            APIRoute(APIOperation(
                .get, "/ui/backtests/{id}", id: "getBacktestPage", tag: .dashboard, summary: "A backtest", role: .viewer, authentication: .session,
                description: "The run's status, and once it succeeded its metrics, equity against buy-and-hold, drawdown, monthly returns and trades.",
                parameters: [Schema.idPath("The job id.")], success: .page("The run."), problems: [.invalidParameter, .notFound])
            ) { request, context in
                _ = try QueryValidator(request, allowed: [])
                let backtest = try await run(context.parameters.get("id"), name: "id")
                return DashboardPage.render(title: "Backtest #\(backtest.job.id)", current: "/ui/backtests", session: try context.dashboardSession(),
                                            body: BacktestsPage.result(backtest))
            },
        ]
    }
}
