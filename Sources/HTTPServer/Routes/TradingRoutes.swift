import Analytics
import Foundation
import Hummingbird
import TradingCore
import TradingEngine

/// The paper account as the engine stored it: `/api/v1/portfolio`, `/positions`, `/orders`,
/// `/trades`, `/equity`, `/portfolio/metrics` (viewer role) and the operator's
/// `/trading/halt` and `/trading/resume` (trader role). Every figure is read from the store, so
/// any API process sharing the database answers the same, whether or not it runs the loop.
enum TradingRoutes: RouteGroup {
    /// The account a request names (`?account=`, default `paper`).
    static func account(_ query: QueryValidator) throws -> String {
        try account(named: try query.value("account") ?? "paper")
    }

    /// `name` when it is an account name (1–64 letters, digits, '-' or '_'), else a 400.
    static func account(named name: String) throws -> String {
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ProblemDetails.invalidParameter("account", "must be 1–64 letters, digits, '-' or '_'")
        }
        return name
    }

    /// `?limit=` between 1 and 1,000 (default 100).
    static func limit(_ query: QueryValidator) throws -> Int {
        try query.parsed("limit", accepted: "an integer from 1 to 1000") { Int($0).flatMap { (1...1000).contains($0) ? $0 : nil } } ?? 100
    }

    /// The account and its decoded checkpoint, or a 404 that says how to create one.
    static func state(_ name: String, store: any Store) async throws -> (TradingAccountRecord, SessionCheckpoint) {
        guard let account = try await store.tradingAccount(name: name), let text = account.checkpoint else {
            throw ProblemDetails(.notFound, detail: "no trading account '\(name)' has traded yet: start one with `orchestrator run`")
        }
        do {
            return (account, try JSONDecoder().decode(SessionCheckpoint.self, from: Data(text.utf8)))
        } catch {
            throw ProblemDetails(.internalError, detail: "the stored state of '\(name)' cannot be read")
        }
    }

    static func routes(_ dependencies: ServerDependencies) -> [APIRoute] {
        let store = dependencies.store
        return [
            APIRoute(APIOperation(
                .get, "/api/v1/portfolio", id: "getPortfolio", tag: .trading, summary: "The trading account's summary", role: .viewer,
                description: """
                    Equity, cash, realised and unrealised P&L, fees, gross exposure and trading state (ACTIVE, REDUCING, \
                    HALTED) of a paper account at its last processed bar, read from the store (any API process sharing \
                    the database answers the same). 404 until `orchestrator run` has stepped the account once.
                    """,
                parameters: [Schema.accountQuery],
                success: .json("The account.", Schema.ref("Portfolio")),
                problems: [.invalidParameter, .notFound])
            ) { request, _ in
                let query = try QueryValidator(request, allowed: ["account"])
                let (account, checkpoint) = try await state(try self.account(query), store: store)
                return JSONResponse.make(try Representations.portfolio(account: account, checkpoint: checkpoint))
            },
            APIRoute(APIOperation(
                .get, "/api/v1/positions", id: "getPositions", tag: .trading, summary: "Open positions", role: .viewer,
                description: "Open positions marked at the last close, largest value first.",
                parameters: [Schema.accountQuery],
                success: .json("The positions.", Schema.ref("PositionList")),
                problems: [.invalidParameter, .notFound])
            ) { request, _ in
                let query = try QueryValidator(request, allowed: ["account"])
                let (account, checkpoint) = try await state(try self.account(query), store: store)
                return JSONResponse.make(try Representations.positions(account: account, checkpoint: checkpoint))
            },
            APIRoute(APIOperation(
                .get, "/api/v1/orders", id: "getOrders", tag: .trading, summary: "Orders, newest first", role: .viewer,
                description: "Every order the engine placed, with its state (new, accepted, partially_filled, filled, cancelled, rejected, expired).",
                parameters: [Schema.accountQuery, Schema.limitQuery],
                success: .json("The orders.", Schema.ref("OrderList")),
                problems: [.invalidParameter, .notFound])
            ) { request, _ in
                let query = try QueryValidator(request, allowed: ["account", "limit"])
                let name = try account(query)
                _ = try await state(name, store: store)
                let orders = try await store.tradingOrders(account: name, limit: try limit(query))
                return JSONResponse.make(["account": .string(name), "orders": .array(orders.map(Representations.order))])
            },
            APIRoute(APIOperation(
                .get, "/api/v1/trades", id: "getTrades", tag: .trading, summary: "Fills, newest first", role: .viewer,
                description: "Every fill booked in the ledger, with its price and fee.",
                parameters: [Schema.accountQuery, Schema.limitQuery],
                success: .json("The fills.", Schema.ref("TradeList")),
                problems: [.invalidParameter, .notFound])
            ) { request, _ in
                let query = try QueryValidator(request, allowed: ["account", "limit"])
                let name = try account(query)
                _ = try await state(name, store: store)
                let fills = try await store.tradingFills(account: name, limit: try limit(query))
                return JSONResponse.make(["account": .string(name), "trades": .array(fills.map(Representations.trade))])
            },
            APIRoute(APIOperation(
                .get, "/api/v1/equity", id: "getEquity", tag: .trading, summary: "Equity marks, oldest first", role: .viewer,
                description: "The account's equity, cash and gross exposure at each bar close: the newest `limit` marks (default 1000, at most 100000).",
                parameters: [Schema.accountQuery, Schema.query("limit", "How many marks (1–100000, default 1000).", Schema.integer)],
                success: .json("The marks.", Schema.ref("EquityHistory")),
                problems: [.invalidParameter, .notFound])
            ) { request, _ in
                let query = try QueryValidator(request, allowed: ["account", "limit"])
                let name = try account(query)
                _ = try await state(name, store: store)
                let points = try await store.equityHistory(account: name, limit: try query.parsed("limit", accepted: "an integer from 1 to 100000") {
                    Int($0).flatMap { (1...100_000).contains($0) ? $0 : nil }
                } ?? 1000)
                return JSONResponse.make(["account": .string(name), "points": .array(points.map(Representations.equityPoint))])
            },
            APIRoute(APIOperation(
                .get, "/api/v1/portfolio/metrics", id: "getPortfolioMetrics", tag: .trading, summary: "Metrics of the trading account", role: .viewer,
                description: "Risk and performance metrics of the account's equity marks (simple returns mark to mark; 252 periods a year for daily bars).",
                parameters: [Schema.accountQuery],
                success: .json("The account's metrics.", Schema.ref("AccountMetrics")),
                problems: [.invalidParameter, .notFound, .unprocessable])
            ) { request, _ in
                let query = try QueryValidator(request, allowed: ["account"])
                let name = try account(query)
                _ = try await state(name, store: store)
                let points = try await store.equityHistory(account: name, limit: 1_000_000)
                let (periods, metrics) = try accountMetrics(name, points: points)
                return JSONResponse.make(["account": .string(name), "periods_per_year": .number(periods), "marks": .int(points.count),
                                          "metrics": Representations.metrics(metrics, dates: points.dropFirst().map(\.time.iso8601))])
            },
            APIRoute(APIOperation(
                .post, "/api/v1/trading/halt", id: "haltTrading", tag: .trading, summary: "Halt trading", role: .trader,
                description: """
                    Queues a halt for the account's engine, which applies it before its next bar (202): the state becomes \
                    HALTED, no decision is made until a resume, and with `flatten: true` every position is closed at the \
                    next bar's open. The body may be empty.
                    """,
                parameters: [Schema.idempotencyKey],
                requestBody: Schema.ref("TradingCommandRequest"), bodyRequired: false,
                success: .json("Queued.", Schema.ref("TradingCommand"), status: .accepted),
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .notFound, .conflict])
            ) { request, context in
                try await command(.halt, request: request, principal: context.principal, allowedKeys: ["account", "flatten", "reason"], store: store,
                                  clock: dependencies.clock)
            },
            APIRoute(APIOperation(
                .post, "/api/v1/trading/resume", id: "resumeTrading", tag: .trading, summary: "Resume trading", role: .trader,
                description: "Queues a resume (202): the state returns to ACTIVE before the next bar and the drawdown peak restarts. The body may be empty.",
                parameters: [Schema.idempotencyKey],
                requestBody: Schema.ref("TradingResumeRequest"), bodyRequired: false,
                success: .json("Queued.", Schema.ref("TradingCommand"), status: .accepted),
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .notFound, .conflict])
            ) { request, context in
                try await command(.resume, request: request, principal: context.principal, allowedKeys: ["account", "reason"], store: store,
                                  clock: dependencies.clock)
            },
        ]
    }

    /// The schemas of these routes' bodies.
    static let schemas: [(String, JSONValue)] = {
        let state = Schema.enumeration(TradingState.self)
        let side = Schema.enumeration(OrderSide.self)
        let decimal = Schema.decimal, string = Schema.string, integer = Schema.integer, number = Schema.number, dateTime = Schema.dateTime
        return [
            ("Portfolio", Schema.object([
                ("account", string), ("as_of", Schema.nullableDateTime), ("bars_processed", integer), ("state", state), ("equity", decimal),
                ("cash", decimal), ("capital", decimal), ("pnl", decimal), ("return_pct", number), ("realised_pnl", decimal),
                ("unrealised_pnl", decimal), ("fees", decimal), ("gross_exposure", decimal), ("exposure_pct", number), ("positions", integer),
                ("pending_orders", integer), ("decisions", integer),
                ("configuration", ["type": "string", "description": "What the account trades: symbols, bar length, cash, costs."]),
                ("updated_at", dateTime),
            ])),
            ("PositionList", Schema.object([("account", string), ("as_of", Schema.nullableDateTime), ("positions", Schema.array(Schema.object([
                ("symbol", string), ("quantity", decimal), ("average_cost", decimal), ("cost_basis", decimal), ("last_price", decimal),
                ("market_value", decimal), ("unrealised_pnl", decimal), ("weight_pct", number),
            ])))])),
            ("OrderList", Schema.object([("account", string), ("orders", Schema.array(Schema.object([
                ("client_order_id", string), ("symbol", string), ("side", side), ("type", Schema.strings(OrderType.names)), ("quantity", decimal),
                ("status", Schema.enumeration(OrderStatus.self)), ("filled_quantity", decimal), ("average_fill_price", Schema.nullableString),
                ("created_at", dateTime), ("updated_at", dateTime),
            ])))])),
            ("TradeList", Schema.object([("account", string), ("trades", Schema.array(Schema.object([
                ("fill_id", string), ("client_order_id", string), ("symbol", string), ("side", side),
                ("quantity", decimal), ("price", decimal), ("fee", decimal), ("time", dateTime),
            ])))])),
            ("EquityHistory", Schema.object([("account", string), ("points", Schema.array(Schema.object([
                ("time", dateTime), ("bar_index", integer), ("equity", decimal), ("cash", decimal), ("gross_exposure", decimal), ("state", state),
            ])))])),
            ("AccountMetrics", Schema.object([("account", string), ("periods_per_year", number), ("marks", integer), ("metrics", Schema.ref("Metrics"))])),
            ("TradingCommandRequest", Schema.closedObject([
                ("account", ["type": "string", "description": "Default paper."]),
                ("flatten", ["type": "boolean", "description": "Halt only: close every position at the next bar (default false)."]),
                ("reason", ["type": "string", "maxLength": 500]),
            ], description: "Optional; an empty body means the paper account.")),
            ("TradingResumeRequest", Schema.closedObject([
                ("account", ["type": "string", "description": "Default paper."]),
                ("reason", ["type": "string", "maxLength": 500]),
            ], description: "Optional; an empty body means the paper account.")),
            ("TradingCommand", Schema.object([
                ("command_id", integer), ("account", string), ("command", Schema.strings([TradingCommand.Kind.halt, .resume].map(\.rawValue))),
                ("flatten", Schema.boolean), ("reason", string), ("status", Schema.strings(["pending", "applied"])),
                ("repeated", ["type": "boolean", "description": "The request repeated an earlier one's Idempotency-Key: nothing new was queued."]),
                ("detail", string),
            ])),
        ]
    }()

    /// The metrics of an account's equity marks (simple returns mark to mark) and the periods a year
    /// they are annualised with: 252 for daily bars, calendar periods for other bar lengths.
    static func accountMetrics(_ name: String, points: [EquityPoint]) throws -> (periods: Double, metrics: PerformanceMetrics) {
        guard points.count >= 3 else {
            throw ProblemDetails(.unprocessable, detail: "'\(name)' has \(points.count) equity marks; metrics need at least 3")
        }
        let equity = points.map(\.equity.doubleValue)
        let returns = (1..<equity.count).map { equity[$0] / equity[$0 - 1] - 1 }
        let spacing = points[1].time.millisecondsSinceEpoch - points[0].time.millisecondsSinceEpoch
        let periods = spacing >= 86_400_000 ? 252 * 86_400_000 / Double(spacing) : 365.25 * 86_400_000 / Double(max(spacing, 1))
        let metrics = try ProblemDetails.unprocessable { () throws(AnalyticsError) in
            try PerformanceAnalytics.metrics(returns: returns, options: MetricsOptions(periodsPerYear: periods))
        }
        return (periods, metrics)
    }

    /// The body of the halt and resume routes.
    struct CommandBody: Decodable {
        let account: String?
        let flatten: Bool?
        let reason: String?
    }

    /// Queues a command for the account's runner, which applies it before its next step (202).
    static func command(_ kind: TradingCommand.Kind, request: Request, principal: APIPrincipal?, allowedKeys: Set<String>, store: any Store,
                        clock: any TradingClock) async throws -> Response {
        _ = try QueryValidator(request, allowed: [])
        let data = try await JSONBody.read(request, allowEmpty: true)
        let body = data.isEmpty ? CommandBody(account: nil, flatten: nil, reason: nil)
            : try JSONBody.decode(CommandBody.self, from: try JSONBody.checked(data, allowedKeys: allowedKeys))
        let name = body.account ?? "paper"
        guard try await store.tradingAccount(name: name) != nil else {
            throw ProblemDetails(.notFound, detail: "no trading account '\(name)': start one with `orchestrator run`")
        }
        if let reason = body.reason, reason.count > 500 {
            throw ProblemDetails(.malformedJSON, detail: "reason has \(reason.count) characters; at most 500", fieldErrors: [("reason", "is longer than 500 characters")])
        }
        let command = TradingCommand(id: nil, account: name, kind: kind, flatten: body.flatten ?? false,
                                     reason: body.reason ?? "requested through the API", requestedAt: clock.now(), appliedAt: nil)
        let stored: (command: TradingCommand, repeated: Bool)
        if let key = try Schema.idempotencyKey(of: request) {
            // A key belongs to the caller that sent it: another key's request never answers for it.
            stored = try await store.requestTradingCommand(command, idempotencyKey: "trading:\(principal?.keyID ?? 0):" + key)
            try checkRepeat(stored, of: command)
        } else {
            stored = (try await store.requestTradingCommand(command), false)
        }
        return JSONResponse.make(representation(of: stored.command, repeated: stored.repeated), status: .accepted)
    }

    /// A repeat must ask for what the first request asked: a key reused for another command, account
    /// or flatten is a 409, never a silently dropped command.
    static func checkRepeat(_ stored: (command: TradingCommand, repeated: Bool), of command: TradingCommand) throws {
        guard stored.repeated else { return }
        let first = stored.command
        guard first.account == command.account, first.kind == command.kind, first.flatten == command.flatten else {
            throw ProblemDetails(.conflict, detail: "this Idempotency-Key was used for a \(first.kind.rawValue)\(first.flatten ? " with flatten" : "") of '\(first.account)': send this request with a key of its own")
        }
    }

    /// A queued command as the halt and resume routes (and the dashboard) describe it.
    static func representation(of command: TradingCommand, repeated: Bool) -> JSONValue {
        [
            "command_id": .int(Int(command.id ?? 0)), "account": .string(command.account), "command": .string(command.kind.rawValue),
            "flatten": .bool(command.flatten), "reason": .string(command.reason), "status": command.appliedAt == nil ? "pending" : "applied",
            "repeated": .bool(repeated),
            "detail": .string(repeated ? "already requested with this Idempotency-Key: nothing new was queued"
                                       : "the running engine applies it before its next bar"),
        ]
    }
}
