import Analytics
import Foundation
import Hummingbird
import TradingCore
import TradingEngine

/// The paper account as the engine stored it: `/api/v1/portfolio`, `/positions`, `/orders`,
/// `/trades`, `/equity`, `/portfolio/metrics` (viewer role) and the operator's
/// `/trading/halt` and `/trading/resume` (trader role). Every figure is read from the store, so
/// any API process sharing the database answers the same, whether or not it runs the loop.
enum TradingRoutes {
    /// The account a request names (`?account=`, default `paper`).
    static func account(_ query: QueryValidator) throws -> String {
        let name = try query.value("account") ?? "paper"
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

    static func register(viewer: some RouterMethods<APIRequestContext>, trader: some RouterMethods<APIRequestContext>, dependencies: ServerDependencies) {
        let store = dependencies.store
        viewer.get("/portfolio") { request, _ in
            let query = try QueryValidator(request, allowed: ["account"])
            let (account, checkpoint) = try await state(try self.account(query), store: store)
            return JSONResponse.make(try Representations.portfolio(account: account, checkpoint: checkpoint))
        }
        viewer.get("/positions") { request, _ in
            let query = try QueryValidator(request, allowed: ["account"])
            let (account, checkpoint) = try await state(try self.account(query), store: store)
            return JSONResponse.make(try Representations.positions(account: account, checkpoint: checkpoint))
        }
        viewer.get("/orders") { request, _ in
            let query = try QueryValidator(request, allowed: ["account", "limit"])
            let name = try account(query)
            _ = try await state(name, store: store)
            let orders = try await store.tradingOrders(account: name, limit: try limit(query))
            return JSONResponse.make(["account": .string(name), "orders": .array(orders.map(Representations.order))])
        }
        viewer.get("/trades") { request, _ in
            let query = try QueryValidator(request, allowed: ["account", "limit"])
            let name = try account(query)
            _ = try await state(name, store: store)
            let fills = try await store.tradingFills(account: name, limit: try limit(query))
            return JSONResponse.make(["account": .string(name), "trades": .array(fills.map(Representations.trade))])
        }
        viewer.get("/equity") { request, _ in
            let query = try QueryValidator(request, allowed: ["account", "limit"])
            let name = try account(query)
            _ = try await state(name, store: store)
            let points = try await store.equityHistory(account: name, limit: try query.parsed("limit", accepted: "an integer from 1 to 100000") {
                Int($0).flatMap { (1...100_000).contains($0) ? $0 : nil }
            } ?? 1000)
            return JSONResponse.make(["account": .string(name), "points": .array(points.map(Representations.equityPoint))])
        }
        viewer.get("/portfolio/metrics") { request, _ in
            let query = try QueryValidator(request, allowed: ["account"])
            let name = try account(query)
            _ = try await state(name, store: store)
            let points = try await store.equityHistory(account: name, limit: 1_000_000)
            guard points.count >= 3 else {
                throw ProblemDetails(.unprocessable, detail: "'\(name)' has \(points.count) equity marks; metrics need at least 3")
            }
            let equity = points.map(\.equity.doubleValue)
            let returns = (1..<equity.count).map { equity[$0] / equity[$0 - 1] - 1 }
            let spacing = points[1].time.millisecondsSinceEpoch - points[0].time.millisecondsSinceEpoch
            // Daily bars: 252 trading days; other bar lengths: calendar periods per year.
            let periods = spacing >= 86_400_000 ? 252 * 86_400_000 / Double(spacing) : 365.25 * 86_400_000 / Double(max(spacing, 1))
            let metrics = try ProblemDetails.unprocessable { () throws(AnalyticsError) in
                try PerformanceAnalytics.metrics(returns: returns, options: MetricsOptions(periodsPerYear: periods))
            }
            return JSONResponse.make(["account": .string(name), "periods_per_year": .number(periods), "marks": .int(points.count),
                                      "metrics": Representations.metrics(metrics, dates: points.dropFirst().map(\.time.iso8601))])
        }
        trader.post("/trading/halt") { request, _ in
            try await command(.halt, request: request, allowedKeys: ["account", "flatten", "reason"], store: store, clock: dependencies.clock)
        }
        trader.post("/trading/resume") { request, _ in
            try await command(.resume, request: request, allowedKeys: ["account", "reason"], store: store, clock: dependencies.clock)
        }
    }

    /// The body of the halt and resume routes.
    struct CommandBody: Decodable {
        let account: String?
        let flatten: Bool?
        let reason: String?
    }

    /// Queues a command for the account's runner, which applies it before its next step (202).
    static func command(_ kind: TradingCommand.Kind, request: Request, allowedKeys: Set<String>, store: any Store,
                        clock: any TradingClock) async throws -> Response {
        _ = try QueryValidator(request, allowed: [])
        let data = try await JSONBody.read(request, allowEmpty: true)
        let body = data.isEmpty ? CommandBody(account: nil, flatten: nil, reason: nil)
            : try PortfolioRoutes.decode(CommandBody.self, from: try PortfolioRoutes.checkedKeys(data, allowedKeys: allowedKeys))
        let name = body.account ?? "paper"
        guard try await store.tradingAccount(name: name) != nil else {
            throw ProblemDetails(.notFound, detail: "no trading account '\(name)': start one with `orchestrator run`")
        }
        if let reason = body.reason, reason.count > 500 {
            throw ProblemDetails(.malformedJSON, detail: "reason has \(reason.count) characters; at most 500", fieldErrors: [("reason", "is longer than 500 characters")])
        }
        let reason = body.reason ?? "requested through the API"
        let stored = try await store.requestTradingCommand(TradingCommand(id: nil, account: name, kind: kind, flatten: body.flatten ?? false,
                                                                          reason: reason, requestedAt: clock.now(), appliedAt: nil))
        return JSONResponse.make([
            "command_id": .int(Int(stored.id ?? 0)), "account": .string(name), "command": .string(kind.rawValue),
            "flatten": .bool(stored.flatten), "reason": .string(reason), "status": "pending",
            "detail": "the running engine applies it before its next bar",
        ], status: .accepted)
    }
}
