import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TradingCore
import TradingEngine

/// The dashboard: server-rendered pages under `/ui` (the start page at `/`), signed in once with an
/// API key that becomes a session cookie. Viewers see; traders also halt and resume, each through a
/// confirmation page and an idempotency key, so a double click or a reload never acts twice.
enum DashboardRoutes: RouteGroup {
    /// The commands the controls send, by the name in their path.
    static let commands: [String: (kind: TradingCommand.Kind, flatten: Bool, title: String, explanation: String)] = [
        "halt": (.halt, false, "Halt trading", "No decision is made until a resume; positions stay as they are."),
        "flatten": (.halt, true, "Halt and flatten", "No decision is made until a resume, and every position is closed at the next bar's open."),
        "resume": (.resume, false, "Resume trading", "The state returns to ACTIVE at the next bar and the drawdown peak restarts."),
    ]

    static func routes(_ dependencies: ServerDependencies) -> [APIRoute] {
        let store = dependencies.store
        let settings = dependencies.settings
        return [
            APIRoute(APIOperation(
                .get, "/", id: "getStart", tag: .dashboard, summary: "The start page", role: nil,
                description: "Sends the browser to the dashboard's overview.",
                success: .redirect("To /ui."), problems: [])
            ) { _, _ in
                DashboardPage.redirect(to: "/ui")
            },
            APIRoute(APIOperation(
                .get, "/ui/static/dashboard.css", id: "getDashboardStyles", tag: .dashboard, summary: "The dashboard's style sheet", role: nil,
                description: "The one style sheet of the pages, served from the binary.",
                success: .text("CSS.", contentType: "text/css"), problems: [])
            ) { _, _ in
                DashboardPage.asset(DashboardPage.styleSheet, contentType: "text/css; charset=utf-8")
            },
            APIRoute(APIOperation(
                .get, "/ui/static/dashboard.js", id: "getDashboardScript", tag: .dashboard, summary: "The dashboard's script", role: nil,
                description: "The pages' one script (live updates from /ui/events), served from the binary.",
                success: .text("JavaScript.", contentType: "text/javascript"), problems: [])
            ) { _, _ in
                DashboardPage.asset(DashboardPage.script, contentType: "text/javascript; charset=utf-8")
            },
            APIRoute(APIOperation(
                .get, "/ui/static/favicon.svg", id: "getDashboardIcon", tag: .dashboard, summary: "The dashboard's icon", role: nil,
                description: "The pages' icon, served from the binary.",
                success: .text("SVG.", contentType: "image/svg+xml"), problems: [])
            ) { _, _ in
                DashboardPage.asset(DashboardPage.icon, contentType: "image/svg+xml")
            },
            APIRoute(APIOperation(
                .get, "/ui/sign-in", id: "getSignIn", tag: .dashboard, summary: "Sign in", role: nil,
                description: "A form for an API key; `next` is the page to return to (a path under /ui).",
                parameters: [Schema.query("next", "The page to return to.", ["type": "string", "pattern": "^/ui"]),
                             Schema.query("failed", "Set after a refused key.", ["type": "string", "enum": ["key"]])],
                success: .page("The sign-in form."), problems: [.invalidParameter])
            ) { request, _ in
                let query = try QueryValidator(request, allowed: ["next", "failed"])
                let next = safeNext(try query.value("next"))
                let failed = try query.parsed("failed", accepted: "key") { $0 == "key" ? true : nil } ?? false
                // The sign-in form's anti-forgery token: a random value in a cookie and in the form.
                let token = SessionCodec.randomToken()
                let body = """
                    <form class="sign-in" method="post" action="/ui/sign-in">
                    <input type="hidden" name="form_token" value="\(token)"><input type="hidden" name="next" value="\(HTML.escape(next))">
                    <label for="key">API key</label>
                    <input id="key" name="key" type="password" autocomplete="off" required minlength="32" maxlength="256">
                    \(failed ? "<div class=\"field-error\">That key is unknown or revoked.</div>" : "")
                    <button class="primary" type="submit">Sign in</button>
                    <p class="note">The key is checked once and never kept in the page: the session lasts \(settings.sessionLifetimeSeconds / 3600) hours, until you sign out in this browser, or until the key is revoked (which ends every session opened with it). Create one with <code>orchestrator apikey create</code>.</p>
                    </form>
                    """
                return DashboardPage.render(title: "Sign in", current: "", session: nil, body: body,
                                            cookies: [DashboardSession.setCookie(DashboardSession.signInCookieName, value: token, maxAge: 900, request: request)])
            },
            APIRoute(APIOperation(
                .post, "/ui/sign-in", id: "signIn", tag: .dashboard, summary: "Open a session", role: nil,
                description: "Checks the key of the form once and sets the session cookie (HttpOnly, SameSite=Strict, Secure behind TLS); a refused key returns to the form.",
                success: .redirect("To `next` with the session, or back to the form."), problems: [.forbidden, .unsupportedMediaType, .payloadTooLarge])
            ) { request, _ in
                let expected = DashboardSession.cookie(DashboardSession.signInCookieName, in: request)
                let form = try await DashboardForm.read(request) { given in expected.map { $0 == given } ?? false }
                let next = safeNext(form.fields["next"])
                guard let key = form.fields["key"], let principal = try await dependencies.authenticator.principal(forKey: key) else {
                    return DashboardPage.redirect(to: "/ui/sign-in?next=\(HTML.urlEncoded(next))&failed=key")
                }
                let expires = DashboardSession.wallClock().adding(milliseconds: Int64(settings.sessionLifetimeSeconds) * 1000)
                let token = settings.sessions.issue(keyID: principal.keyID, role: principal.role, expires: expires)
                return DashboardPage.redirect(to: next, cookies: [
                    DashboardSession.setCookie(DashboardSession.cookieName, value: token, maxAge: settings.sessionLifetimeSeconds, request: request),
                    DashboardSession.setCookie(DashboardSession.signInCookieName, value: "", maxAge: 0, request: request),
                ])
            },
            APIRoute(APIOperation(
                .post, "/ui/sign-out", id: "signOut", tag: .dashboard, summary: "End the session", role: .viewer, authentication: .session,
                description: "Deletes the session cookie.",
                success: .redirect("To the sign-in form."), problems: [.unsupportedMediaType, .payloadTooLarge])
            ) { request, context in
                let session = try context.dashboardSession()
                _ = try await DashboardForm.read(request) { settings.sessions.isFormToken($0, for: session.token) }
                return DashboardPage.redirect(to: "/ui/sign-in", cookies: [DashboardSession.setCookie(DashboardSession.cookieName, value: "", maxAge: 0, request: request)])
            },
            APIRoute(APIOperation(
                .get, "/ui", id: "getOverview", tag: .dashboard, summary: "Overview", role: .viewer, authentication: .session,
                description: "Trading state and why, equity, P&L today and in total, drawdown, exposure, the feed and venue, the security score and open alerts, the feedback loop's last cycle and adaptation score; the controls for traders.",
                parameters: [Schema.accountQuery, Schema.query("notice", "A message after a control.", ["type": "string", "enum": ["queued", "repeated"]])],
                success: .page("The overview."), problems: [.invalidParameter])
            ) { request, context in
                let query = try QueryValidator(request, allowed: ["account", "notice"])
                let account = try TradingRoutes.account(query)
                let notice = try query.parsed("notice", accepted: "queued or repeated") { ["queued", "repeated"].contains($0) ? $0 : nil }
                let body = try await OverviewPage.body(account: account, notice: notice, session: try context.dashboardSession(), dependencies: dependencies)
                return DashboardPage.render(title: "Overview", current: "/ui", session: try context.dashboardSession(), body: body)
            },
        ] + tablePages(dependencies, store: store) + controls(dependencies) + supervisor(dependencies) + backtests(dependencies) + learning(dependencies) + keys(dependencies)
    }

    /// The supervisor's page and its acknowledge button; the audit trail.
    private static func supervisor(_ dependencies: ServerDependencies) -> [APIRoute] {
        [
            APIRoute(APIOperation(
                .get, "/ui/supervisor", id: "getSupervisorPage", tag: .dashboard, summary: "Supervisor", role: .viewer, authentication: .session,
                description: "The last sweep's checks with values and thresholds, the score with each deduction, the alerts (acknowledge for traders).",
                parameters: [Schema.query("include_resolved", "Also resolved alerts.", Schema.boolean),
                             Schema.query("notice", "A message after an acknowledgement.", Schema.strings(["acknowledged"]))],
                success: .page("The supervisor's page."), problems: [.invalidParameter])
            ) { request, context in
                let query = try QueryValidator(request, allowed: ["include_resolved", "notice"])
                let includeResolved = try query.parsed("include_resolved", accepted: "true or false") { Bool($0) } ?? false
                let notice = try query.parsed("notice", accepted: "acknowledged") { $0 == "acknowledged" ? $0 : nil }
                let session = try context.dashboardSession()
                let body = try await SupervisorPage.body(session: session, includeResolved: includeResolved, notice: notice, dependencies: dependencies)
                return DashboardPage.render(title: "Supervisor", current: "/ui/supervisor", session: session, body: body)
            },
            APIRoute(APIOperation(
                .post, "/ui/alerts/{id}/ack", id: "acknowledgeAlertFromPage", tag: .dashboard, summary: "Acknowledge an alert", role: .trader,
                authentication: .session, description: "Records who acknowledged the alert, as `POST /api/v1/supervisor/alerts/{id}/ack` does, and returns to the supervisor's page.",
                parameters: [Schema.idPath("The alert id.")], success: .redirect("To the supervisor's page."),
                problems: [.invalidParameter, .notFound, .unsupportedMediaType, .payloadTooLarge])
            ) { request, context in
                let session = try context.dashboardSession()
                _ = try await DashboardForm.read(request) { dependencies.settings.sessions.isFormToken($0, for: session.token) }
                guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else { throw ProblemDetails.invalidParameter("id", "must be a positive integer") }
                guard try await dependencies.securityStore.acknowledgeAlert(id: id, by: "api key \(session.principal.keyID) (\(session.principal.name)) on the dashboard",
                                                                             at: dependencies.clock.now()) != nil else {
                    throw ProblemDetails(.notFound, detail: "no alert has id \(id)")
                }
                return DashboardPage.redirect(to: "/ui/supervisor?notice=acknowledged")
            },
            APIRoute(APIOperation(
                .get, "/ui/market", id: "getMarketPage", tag: .dashboard, summary: "Market", role: .viewer, authentication: .session,
                description: "Candles of a stored series with volume, the account's fills as markers and the newest stored forecasts as 80 % intervals ahead of the last bar; a bad symbol, bar length or count is shown next to its field.",
                parameters: [Schema.query("symbol", "A stored symbol (default: the account's first, else the first stored).", Schema.symbol),
                             Schema.query("timeframe", "The bar length (default: the symbol's shortest OHLCV series).", Schema.timeframe),
                             Schema.query("bars", "How many of the newest bars (2–5000, default 200).", ["type": "integer", "minimum": 2, "maximum": 5000]),
                             Schema.accountQuery],
                success: .page("The market page."), problems: [.invalidParameter])
            ) { request, context in
                let query = try QueryValidator(request, allowed: ["symbol", "timeframe", "bars", "account"])
                let account = try TradingRoutes.account(query)
                let instruments = try await dependencies.store.instruments().filter { $0.series.contains { $0.kind == .ohlcv } }
                let symbols = instruments.map(\.instrument.symbol.rawValue)
                let symbolText = try query.value("symbol") ?? symbols.first ?? ""
                let timeframeText = try query.value("timeframe")
                    ?? Symbol(symbolText).flatMap { StoredSeries.timeframes(of: $0, in: instruments).first }?.rawValue ?? "1d"
                let barsText = try query.value("bars") ?? "200"
                // Bad values are shown next to their field (the same reasons the API gives), never trusted.
                var problem: (field: String, reason: String)?
                let symbol = Symbol(symbolText)
                if symbol == nil { problem = ("symbol", "must be \(Symbol.rule)") }
                let timeframe = Timeframe(rawValue: timeframeText)
                if timeframe == nil { problem = ("timeframe", "must be one of \(Timeframe.codes.joined(separator: ", "))") }
                let count = Int(barsText).flatMap { (2...MarketPage.maximumBars).contains($0) ? $0 : nil }
                if count == nil { problem = ("bars", "must be a whole number from 2 to \(MarketPage.maximumBars)") }
                var body = MarketPage.form(symbols: symbols, symbol: symbolText, timeframe: timeframeText, bars: count ?? 200, problem: problem)
                if let symbol, let timeframe, let count, problem == nil {
                    let stored = instruments.first { $0.instrument.symbol == symbol }?.series.contains { $0.timeframe == timeframe } ?? false
                    body += stored
                        ? MarketPage.chart(source: "/ui/market.json?symbol=\(HTML.urlEncoded(symbol.rawValue))&timeframe=\(timeframe.rawValue)&bars=\(count)&account=\(HTML.urlEncoded(account))")
                        : "<p class=\"notice\">No \(timeframe.rawValue) bars are stored for \(HTML.escape(symbol.rawValue)).</p>"
                }
                // The form is the page: a bad value is shown next to its field, the page itself answered.
                return DashboardPage.render(title: "Market", current: "/ui/market", session: try context.dashboardSession(), body: body)
            },
            APIRoute(APIOperation(
                .get, "/ui/market.json", id: "getMarketData", tag: .dashboard, summary: "The market chart's data", role: .viewer, authentication: .session,
                description: "What the market page's script draws: bars as [open time ms, open, high, low, close, volume], the account's fills as [time ms, price, side], the newest forecasts' intervals as prices (display figures; the exact amounts are in the API).",
                parameters: [Schema.query("symbol", required: true, "A stored symbol.", Schema.symbol), Schema.query("timeframe", required: true, "The bar length.", Schema.timeframe),
                             Schema.query("bars", "How many of the newest bars (2–5000, default 200).", ["type": "integer", "minimum": 2, "maximum": 5000]),
                             Schema.accountQuery],
                success: .json("The chart's data.", ["type": "object", "required": ["symbol", "timeframe", "bar_ms", "bars", "fills", "forecasts"]]),
                problems: [.invalidParameter, .notFound])
            ) { request, _ in
                let query = try QueryValidator(request, allowed: ["symbol", "timeframe", "bars", "account"])
                let account = try TradingRoutes.account(query)
                let symbolText = try query.required("symbol")
                guard let symbol = Symbol(symbolText) else { throw ProblemDetails.invalidParameter("symbol", "must be \(Symbol.rule)") }
                let timeframeText = try query.required("timeframe")
                guard let timeframe = Timeframe(rawValue: timeframeText) else {
                    throw ProblemDetails.invalidParameter("timeframe", "must be one of \(Timeframe.codes.joined(separator: ", "))")
                }
                let count = try query.parsed("bars", accepted: "a whole number from 2 to \(MarketPage.maximumBars)") {
                    Int($0).flatMap { (2...MarketPage.maximumBars).contains($0) ? $0 : nil }
                } ?? 200
                guard let data = try await MarketPage.data(symbol: symbol, timeframe: timeframe, count: count, account: account, store: dependencies.store) else {
                    throw ProblemDetails(.notFound, detail: "fewer than 2 \(timeframe.rawValue) bars are stored for \(symbol.rawValue)")
                }
                return JSONResponse.make(data)
            },
            APIRoute(APIOperation(
                .get, "/ui/performance", id: "getPerformancePage", tag: .dashboard, summary: "Performance", role: .viewer, authentication: .session,
                description: "The account's equity and drawdown over time (drawn as SVG on the server), its monthly returns, and the metrics of /api/v1/portfolio/metrics.",
                parameters: [Schema.accountQuery], success: .page("The performance page."), problems: [.invalidParameter])
            ) { request, context in
                let query = try QueryValidator(request, allowed: ["account"])
                let account = try TradingRoutes.account(query)
                let body: String
                do {
                    body = try await PerformancePage.body(account: account, store: dependencies.store)
                } catch let problem as ProblemDetails where problem.kind == .notFound {
                    body = "<p class=\"notice\">\(HTML.escape(problem.detail))</p>"
                }
                return DashboardPage.render(title: "Performance", current: "/ui/performance", session: try context.dashboardSession(), body: body)
            },
            APIRoute(APIOperation(
                .get, "/ui/events-log", id: "getEventsPage", tag: .dashboard, summary: "Events", role: .viewer, authentication: .session,
                description: "The audit trail: changes of trading state and the risk gate's alerts (operators' halts and resumes with who sent them), the supervisor's alerts and the feedback loop's signals, newest first.",
                parameters: [Schema.accountQuery], success: .page("The audit trail."), problems: [.invalidParameter])
            ) { request, context in
                let query = try QueryValidator(request, allowed: ["account"])
                let body = try await EventsPage.body(account: try TradingRoutes.account(query), dependencies: dependencies)
                return DashboardPage.render(title: "Events", current: "/ui/events-log", session: try context.dashboardSession(), body: body)
            },
        ]
    }

    /// Positions, orders and trades, each as a page and as CSV.
    private static func tablePages(_ dependencies: ServerDependencies, store: any Store) -> [APIRoute] {
        typealias Loader = @Sendable (String) async throws -> RecordTable
        let pages: [(path: String, title: String, summary: String, load: Loader)] = [
            ("positions", "Positions", "Open positions marked at the last close", { account in
                let (record, checkpoint) = try await TradingRoutes.state(account, store: store)
                let rows = try Representations.positions(account: record, checkpoint: checkpoint)["positions"]?.arrayValue ?? []
                return RecordTable(columns: [.init("symbol", "Symbol"), .init("quantity", "Quantity", numeric: true),
                                             .init("average_cost", "Average cost", numeric: true), .init("last_price", "Last price", numeric: true),
                                             .init("market_value", "Value", numeric: true), .init("unrealised_pnl", "Unrealised P&L", numeric: true),
                                             .init("weight_pct", "Weight %", numeric: true)], records: rows)
            }),
            ("orders", "Orders", "Every order, newest first", { account in
                _ = try await TradingRoutes.state(account, store: store)
                let rows = try await store.tradingOrders(account: account, limit: 10_000).map(Representations.order)
                return RecordTable(columns: [.init("created_at", "Created"), .init("client_order_id", "Client order id"), .init("symbol", "Symbol"),
                                             .init("side", "Side"), .init("type", "Type"), .init("quantity", "Quantity", numeric: true),
                                             .init("status", "Status"), .init("filled_quantity", "Filled", numeric: true),
                                             .init("average_fill_price", "Average price", numeric: true)], records: rows)
            }),
            ("trades", "Trades", "Every fill, newest first", { account in
                _ = try await TradingRoutes.state(account, store: store)
                let rows = try await store.tradingFills(account: account, limit: 10_000).map(Representations.trade)
                return RecordTable(columns: [.init("time", "Time"), .init("symbol", "Symbol"), .init("side", "Side"),
                                             .init("quantity", "Quantity", numeric: true), .init("price", "Price", numeric: true),
                                             .init("fee", "Fee", numeric: true), .init("client_order_id", "Client order id")], records: rows)
            }),
        ]
        return pages.flatMap { page -> [APIRoute] in
            let tableParameters = [Schema.accountQuery, Schema.query("sort", "The column to sort by (a key of the CSV header).", Schema.string),
                                   Schema.query("order", "Sort order.", Schema.strings(["asc", "desc"], default: "asc")),
                                   Schema.query("page", "The page of 50 rows.", ["type": "integer", "minimum": 1])]
            return [
                APIRoute(APIOperation(
                    .get, "/ui/\(page.path)", id: "get\(page.title)Page", tag: .dashboard, summary: page.title, role: .viewer, authentication: .session,
                    description: "\(page.summary): a table sorted by any column and paged, with its CSV download.",
                    parameters: tableParameters, success: .page("The table."), problems: [.invalidParameter, .notFound])
                ) { request, context in
                    let query = try QueryValidator(request, allowed: ["account", "sort", "order", "page"])
                    let account = try TradingRoutes.account(query)
                    let table: RecordTable
                    do {
                        table = try await page.load(account)
                    } catch let problem as ProblemDetails where problem.kind == .notFound {
                        // No account yet is a normal state of a new installation, not an error page.
                        return DashboardPage.render(title: page.title, current: "/ui/\(page.path)", session: try context.dashboardSession(),
                                                    body: "<p class=\"notice\">\(HTML.escape(problem.detail))</p>")
                    }
                    let extra = account == "paper" ? [] : [("account", account)]
                    let csvLink = "/ui/\(page.path).csv" + (extra.isEmpty ? "" : "?account=\(HTML.urlEncoded(account))")
                    let body = "<p class=\"note\">Account \(HTML.escape(account)). <a href=\"\(HTML.escape(csvLink))\">Download as CSV</a> "
                        + "<span class=\"live\" data-events=\"/ui/events?account=\(HTML.urlEncoded(account))\" data-reload-on=\"\(["positions": "bar fill", "orders": "order", "trades": "fill"][page.path] ?? "")\">live</span></p>"
                        + "<div id=\"live-table\">" + (try table.html(path: "/ui/\(page.path)", query: query, extra: extra)) + "</div>"
                    return DashboardPage.render(title: page.title, current: "/ui/\(page.path)", session: try context.dashboardSession(), body: body)
                },
                APIRoute(APIOperation(
                    .get, "/ui/\(page.path).csv", id: "get\(page.title)CSV", tag: .dashboard, summary: "\(page.title) as CSV", role: .viewer,
                    authentication: .session, description: "\(page.summary), every row, as CSV (the columns are the API's keys).",
                    parameters: [Schema.accountQuery], success: .csv("CSV with a header row."), problems: [.invalidParameter, .notFound])
                ) { request, _ in
                    let query = try QueryValidator(request, allowed: ["account"])
                    let account = try TradingRoutes.account(query)
                    return try await page.load(account).csvResponse(name: "\(account)-\(page.path).csv")
                },
            ]
        }
    }

    /// Halt, halt and flatten, resume: a confirmation page, then the form it posts.
    private static func controls(_ dependencies: ServerDependencies) -> [APIRoute] {
        let commandParameter = Schema.path("command", "halt, flatten (halt and close every position) or resume.", Schema.strings(["halt", "flatten", "resume"]))
        return [
            APIRoute(APIOperation(
                .get, "/ui/controls/{command}", id: "getControlConfirmation", tag: .dashboard, summary: "Confirm a control", role: .trader,
                authentication: .session, description: "What the command does, and the form that sends it once (with an idempotency key of its own).",
                parameters: [commandParameter, Schema.accountQuery], success: .page("The confirmation."), problems: [.invalidParameter, .notFound])
            ) { request, context in
                let query = try QueryValidator(request, allowed: ["account"])
                let account = try TradingRoutes.account(query)
                let (name, command) = try Self.command(context)
                let session = try context.dashboardSession()
                // One key per confirmation page: pressing its button twice, or reloading after it, sends the same key.
                let key = SessionCodec.randomToken()
                let body = """
                    <p>\(HTML.escape(command.explanation)) Account <strong>\(HTML.escape(account))</strong>.</p>
                    <form method="post" action="/ui/controls/\(name)" class="actions">
                    <input type="hidden" name="form_token" value="\(HTML.escape(session.formToken))">
                    <input type="hidden" name="idempotency_key" value="\(key)"><input type="hidden" name="account" value="\(HTML.escape(account))">
                    <label for="reason">Reason</label><input id="reason" name="reason" type="text" maxlength="500" value="">
                    <button class="\(command.kind == .resume ? "primary" : "danger")" type="submit">\(HTML.escape(command.title))</button>
                    <a class="button" href="/ui">Cancel</a></form>
                    """
                return DashboardPage.render(title: command.title, current: "", session: session, body: body)
            },
            APIRoute(APIOperation(
                .post, "/ui/controls/{command}", id: "sendControl", tag: .dashboard, summary: "Send a control", role: .trader,
                authentication: .session, description: "Queues the command once per idempotency key, as `POST /api/v1/trading/halt` or `resume` does, and returns to the overview.",
                parameters: [commandParameter], success: .redirect("To the overview, saying whether the command was queued or already had been."),
                problems: [.invalidParameter, .notFound, .conflict, .unsupportedMediaType, .payloadTooLarge])
            ) { request, context in
                let (_, command) = try Self.command(context)
                let session = try context.dashboardSession()
                let form = try await DashboardForm.read(request) { dependencies.settings.sessions.isFormToken($0, for: session.token) }
                guard let key = form.fields["idempotency_key"], (16...190).contains(key.count) else {
                    throw ProblemDetails.invalidParameter("idempotency_key", "is missing: send the form of the confirmation page")
                }
                let account = try TradingRoutes.account(named: form.fields["account"] ?? "paper")
                guard try await dependencies.store.tradingAccount(name: account) != nil else {
                    throw ProblemDetails(.notFound, detail: "no trading account '\(account)': start one with `orchestrator run`")
                }
                let reason = String((form.fields["reason"] ?? "").prefix(500))
                let asked = TradingCommand(id: nil, account: account, kind: command.kind, flatten: command.flatten,
                                           reason: (reason.isEmpty ? "from the dashboard" : reason) + " (\(session.principal.name))",
                                           requestedAt: dependencies.clock.now(), appliedAt: nil)
                let queued = try await dependencies.store.requestTradingCommand(asked, idempotencyKey: "ui:\(session.principal.keyID):" + key)
                try TradingRoutes.checkRepeat(queued, of: asked)
                let accountQuery = account == "paper" ? "" : "&account=\(HTML.urlEncoded(account))"
                return DashboardPage.redirect(to: "/ui?notice=\(queued.repeated ? "repeated" : "queued")\(accountQuery)")
            },
        ]
    }

    /// The command a controls path names, or a 404.
    private static func command(_ context: APIRequestContext) throws -> (String, (kind: TradingCommand.Kind, flatten: Bool, title: String, explanation: String)) {
        guard let name = context.parameters.get("command"), let command = commands[name] else {
            throw ProblemDetails(.notFound, detail: "the controls are halt, flatten and resume")
        }
        return (name, command)
    }

    /// A page to return to after sign-in: a path under /ui, else the overview (never another site).
    static func safeNext(_ text: String?) -> String {
        guard let text, text == "/ui" || text.hasPrefix("/ui/") || text.hasPrefix("/ui?"), !text.contains("//"), !text.contains("\\") else { return "/ui" }
        return text
    }

    static let schemas: [(String, JSONValue)] = []
}

extension APIRequestContext {
    /// The session the session middleware found (every dashboard route behind it has one).
    func dashboardSession() throws -> DashboardSession {
        guard let session else { throw ProblemDetails(.internalError, detail: "a dashboard page was served without a session") }
        return session
    }
}
