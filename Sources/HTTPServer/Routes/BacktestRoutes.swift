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
                    Queues an sma-cross backtest of a stored symbol as a job (202 with its id); a worker (`orchestrator run` or \
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
                guard Symbol(body.symbol) != nil else { throw ProblemDetails.invalidParameter("symbol", "must be \(Symbol.rule)") }
                if let timeframe = body.timeframe, Timeframe(rawValue: timeframe) == nil {
                    throw ProblemDetails.invalidParameter("timeframe", "must be one of \(Timeframe.codes.joined(separator: ", "))")
                }
                let fast = body.fast ?? 10, slow = body.slow ?? 30
                guard fast >= 1, slow > fast, slow <= 10_000 else { throw ProblemDetails.invalidParameter("slow", "needs 1 ≤ fast < slow ≤ 10000") }
                for (name, value) in [("cash", body.cash), ("commission", body.commission)] where value.map({ !RequestDecimal.isWritten($0) || FixedDecimal($0) == nil }) ?? false {
                    throw ProblemDetails.invalidParameter(name, "must be a decimal number in a string")
                }
                let key = try Schema.idempotencyKey(of: request).map { "backtest:" + $0 }
                let payload = try JSONEncoder().encode(body)
                let job = try await store.enqueue(NewJob(kind: "backtest", payload: String(decoding: payload, as: UTF8.self), idempotencyKey: key,
                                                         runAt: dependencies.clock.now(), maximumAttempts: 3), at: dependencies.clock.now())
                return JSONResponse.make(["job_id": .integer(job.id), "status": .string(job.status.rawValue), "location": .string("/api/v1/backtests/\(job.id)")],
                                         status: .accepted)
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

    /// The schemas of these routes' bodies.
    static let schemas: [(String, JSONValue)] = [
        ("BacktestRequest", Schema.closedObject([
            ("symbol", Schema.symbol), ("timeframe", Schema.timeframe),
            ("fast", ["type": "integer", "minimum": 1, "default": 10]), ("slow", ["type": "integer", "maximum": 10000, "default": 30]),
            ("cash", Schema.decimal), ("commission", Schema.decimal),
        ], required: ["symbol"], description: "An sma-cross backtest of a stored symbol (slow must be above fast).")),
        ("JobAccepted", Schema.object([("job_id", Schema.identifier), ("status", Schema.string), ("location", Schema.string)])),
        ("BacktestJob", Schema.object([
            ("job_id", Schema.identifier), ("status", Schema.enumeration(JobRecord.Status.self)),
            ("attempts", Schema.integer), ("created_at", Schema.dateTime), ("finished_at", Schema.nullableDateTime), ("last_error", Schema.nullableString),
            ("result", ["type": ["object", "null"], "description": "final_equity, return_pct, trades, max_drawdown_pct, sharpe_ratio, win_rate_pct, exposure_pct…"]),
        ])),
    ]
}
