import Foundation
import HTTPTypes
import Hummingbird
import TradingCore
import TradingEngine

/// Backtests requested through the API run as jobs: `POST /api/v1/backtests` (trader) queues one
/// and answers 202 with its id; `GET /api/v1/backtests/{id}` (viewer) shows its status and, once it
/// has succeeded, its result. An `Idempotency-Key` header makes a repeated request return the
/// same job.
enum BacktestRoutes: RouteGroup {
    static func routes(_ dependencies: ServerDependencies) -> [APIRoute] {
        let store = dependencies.store
        return [
            APIRoute(APIOperation(
                .post, "/api/v1/backtests", id: "requestBacktest", tag: .jobs, summary: "Queue a backtest", role: .trader,
                description: """
                    Queues an sma-cross backtest of a stored series as a job (202 with its id; a series that is not stored is a 400 \
                    naming the stored ones); a worker (`orchestrator run` or \
                    `orchestrator worker`) runs it. An `Idempotency-Key` header makes a repeated request return the same job.
                    """,
                parameters: [Schema.idempotencyKey],
                requestBody: Schema.ref("BacktestRequest"),
                success: .json("Queued.", Schema.ref("JobAccepted"), status: .accepted),
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                let data = try await JSONBody.readChecked(request, allowedKeys: BacktestJobRequest.keys)
                let body = try JSONBody.decode(BacktestJobRequest.self, from: data)
                let job = try await enqueue(body, idempotencyKey: try Schema.idempotencyKey(of: request).map { "backtest:" + $0 }, dependencies: dependencies)
                return JSONResponse.make(["job_id": .integer(job.id), "status": .string(job.status.rawValue), "location": .string("/api/v1/backtests/\(job.id)")],
                                         status: .accepted)
            },
            APIRoute(APIOperation(
                .get, "/api/v1/backtests", id: "listBacktests", tag: .jobs, summary: "Backtest jobs, newest first", role: .viewer,
                description: "Each backtest job with what it asked and, once it succeeded, its headline figures; `before` pages on (the `next_before` of the previous page).",
                parameters: [Schema.query("limit", "How many (1–100, default 20).", ["type": "integer", "minimum": 1, "maximum": 100]),
                             Schema.query("before", "Only jobs with a lower id.", ["type": "integer", "minimum": 1])],
                success: .json("The jobs.", Schema.ref("BacktestList")),
                problems: [.invalidParameter])
            ) { request, _ in
                let query = try QueryValidator(request, allowed: ["limit", "before"])
                let (runs, next, _) = try await page(query, store: store)
                return JSONResponse.make(["backtests": .array(runs.map(\.summary)), "next_before": next.map(JSONValue.integer) ?? .null])
            },
            APIRoute(APIOperation(
                .get, "/api/v1/backtests/{id}", id: "getBacktest", tag: .jobs, summary: "A backtest job", role: .viewer,
                description: "The job's status (queued, running, succeeded, dead, cancelled), attempts and last error, and the result once it succeeded.",
                parameters: [Schema.idPath("The job id.")],
                success: .json("The job.", Schema.ref("BacktestJob")),
                problems: [.invalidParameter, .notFound])
            ) { request, context in
                _ = try QueryValidator(request, allowed: [])
                guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else { throw ProblemDetails.invalidParameter("id", "must be a positive integer") }
                guard let job = try await store.job(id: id), job.kind == "backtest" else { throw ProblemDetails(.notFound, detail: "no backtest has id \(id)") }
                let head: JSONValue = [
                    "job_id": .integer(job.id), "status": .string(job.status.rawValue), "attempts": .int(job.attempts),
                    "created_at": .string(job.createdAt.iso8601), "finished_at": job.finishedAt.map { .string($0.iso8601) } ?? .null,
                    "last_error": job.lastError.map(JSONValue.string) ?? .null,
                ]
                // The stored result is JSON text already: embedded as it is.
                var bytes = head.serialized()
                bytes.removeLast()
                bytes += Array(", \"result\": \(job.result ?? "null")}".utf8)
                return JSONResponse.make(bytes: bytes)
            },
        ]
    }

    /// Checks a backtest request as the API and the dashboard take it (a problem names the field)
    /// and queues it once per idempotency key.
    static func enqueue(_ body: BacktestJobRequest, idempotencyKey key: String?, dependencies: ServerDependencies) async throws -> JobRecord {
        guard let symbol = Symbol(body.symbol) else { throw ProblemDetails.invalidParameter("symbol", "must be \(Symbol.rule)") }
        guard let timeframe = Timeframe(rawValue: body.resolvedTimeframe) else {
            throw ProblemDetails.invalidParameter("timeframe", "must be one of \(Timeframe.codes.joined(separator: ", "))")
        }
        let fast = body.resolvedFast, slow = body.resolvedSlow
        guard fast >= 1 else { throw ProblemDetails.invalidParameter("fast", "must be at least 1") }
        guard slow > fast, slow <= 10_000 else { throw ProblemDetails.invalidParameter("slow", "needs 1 ≤ fast < slow ≤ 10000") }
        guard body.cash.map({ RequestDecimal.isWritten($0) && (FixedDecimal($0)?.isPositive ?? false) }) ?? true else {
            throw ProblemDetails.invalidParameter("cash", "must be a positive decimal number in a string")
        }
        guard body.commission.map({ RequestDecimal.isWritten($0) && (FixedDecimal($0).map { !$0.isNegative && $0 < FixedDecimal(1) } ?? false) }) ?? true else {
            throw ProblemDetails.invalidParameter("commission", "must be a decimal fraction from 0 to below 1 in a string (0.001 = 0.1 %)")
        }
        // A series that is not stored would only fail in the worker: refused here, with what is stored.
        _ = try await StoredSeries.timeframe(of: symbol, timeframe, store: dependencies.store)
        let payload = try JSONEncoder().encode(body)
        return try await dependencies.store.enqueue(NewJob(kind: "backtest", payload: String(decoding: payload, as: UTF8.self), idempotencyKey: key,
                                                           runAt: dependencies.clock.now(), maximumAttempts: 3), at: dependencies.clock.now())
    }

    /// A page of backtest jobs from the `limit` and `before` of `query`, the `before` of the next page (nil on the last), and the limit.
    static func page(_ query: QueryValidator, store: any Store) async throws -> ([BacktestRun], Int64?, Int) {
        let limit = try query.parsed("limit", accepted: "an integer from 1 to 100") { Int($0).flatMap { (1...100).contains($0) ? $0 : nil } } ?? 20
        let before = try query.parsed("before", accepted: "a positive integer") { Int64($0).flatMap { $0 > 0 ? $0 : nil } }
        let jobs = try await store.jobs(kind: "backtest", beforeID: before, limit: limit + 1)
        return (jobs.prefix(limit).map(BacktestRun.init), jobs.count > limit ? jobs[limit - 1].id : nil, limit)
    }

    /// The schemas of these routes' bodies.
    static let schemas: [(String, JSONValue)] = [
        ("BacktestRequest", Schema.closedObject([
            ("symbol", Schema.symbol), ("timeframe", Schema.timeframe),
            ("fast", ["type": "integer", "minimum": 1, "default": 10]), ("slow", ["type": "integer", "maximum": 10000, "default": 30]),
            ("cash", Schema.decimal), ("commission", Schema.decimal),
        ], required: ["symbol"], description: "An sma-cross backtest of a stored symbol (slow must be above fast).")),
        ("BacktestList", Schema.object([
            ("backtests", Schema.array(Schema.object([
                ("job_id", Schema.identifier), ("status", Schema.enumeration(JobRecord.Status.self)), ("created_at", Schema.dateTime),
                ("finished_at", Schema.nullableDateTime), ("last_error", Schema.nullableString), ("symbol", Schema.string), ("timeframe", Schema.string),
                ("fast", Schema.integer), ("slow", Schema.integer), ("final_equity", Schema.nullableString), ("return_pct", Schema.nullableNumber),
                ("max_drawdown_pct", Schema.nullableNumber), ("sharpe_ratio", Schema.nullableNumber), ("trades", ["type": ["integer", "null"]]),
            ]))),
            ("next_before", ["type": ["integer", "null"], "description": "The `before` of the next page; null on the last."]),
        ])),
        ("JobAccepted", Schema.object([("job_id", Schema.identifier), ("status", Schema.string), ("location", Schema.string)])),
        ("BacktestJob", Schema.object([
            ("job_id", Schema.identifier), ("status", Schema.enumeration(JobRecord.Status.self)),
            ("attempts", Schema.integer), ("created_at", Schema.dateTime), ("finished_at", Schema.nullableDateTime), ("last_error", Schema.nullableString),
            ("result", ["type": ["object", "null"], "description": "The figures (final_equity, return_pct, trades, max_drawdown_pct, sharpe_ratio, win_rate_pct, exposure_pct, fees, buy_and_hold_return_pct, metrics) and the tear sheet's content: equity_curve (about 1,000 points: each stretch's highest and lowest equity and drawdown, with buy_and_hold and drawdown_pct measured on the whole curve), monthly_returns (by the month of each bar's open) and the first 500 trades in trade_list."]),
        ])),
    ]
}
