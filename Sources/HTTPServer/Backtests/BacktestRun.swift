import Foundation
import TradingCore
import TradingEngine

/// A backtest job as the API's list and the dashboard show it: what was asked (the job's payload)
/// and, once it succeeded, what came out (the job's result, as `BacktestJobResult` writes it; a
/// result stored by an older version lacks the curve, months and trades, which are then absent).
struct BacktestRun: Sendable {
    /// The job.
    let job: JobRecord
    /// The request, nil when the payload is not one (a schedule's hand-written payload).
    let request: BacktestJobRequest?
    /// The result, nil until the job succeeded.
    let result: Result?

    /// What a backtest job stores as its result.
    struct Result: Decodable, Sendable {
        let symbol: String
        let timeframe: String
        let bars: Int
        let fast: Int?
        let slow: Int?
        let cash: String?
        let commission: String?
        let first_bar_time: String?
        let last_bar_time: String?
        let final_equity: String
        let return_pct: Double?
        let trades: Int
        let max_drawdown_pct: Double?
        let sharpe_ratio: Double?
        let win_rate_pct: Double?
        let exposure_pct: Double?
        let fees: String?
        let buy_and_hold_return_pct: Double?
        let metrics: [String: Double?]?
        let equity_curve: [Point]?
        let monthly_returns: [Month]?
        let trade_list: [Trade]?
        let trade_list_truncated: Bool?
    }

    /// One point of the stored equity curve.
    struct Point: Decodable, Sendable {
        let time: String
        let equity: Double
        let buy_and_hold: Double
        /// Percent below the highest equity before it, measured on the whole curve (absent in older results).
        let drawdown_pct: Double?
    }

    /// One month's return.
    struct Month: Decodable, Sendable {
        let year: Int
        let month: Int
        let return_pct: Double
    }

    /// One listed round trip.
    struct Trade: Decodable, Sendable {
        let entry_time: String
        let exit_time: String
        let size: String
        let entry_price: String
        let exit_price: String
        let profit: String
    }

    /// Reads a job's payload and result (a part that does not decode is absent, never an error:
    /// the list must show every job).
    init(_ job: JobRecord) {
        self.job = job
        request = try? JSONDecoder().decode(BacktestJobRequest.self, from: Data(job.payload.utf8))
        result = job.status == .succeeded ? job.result.flatMap { try? JSONDecoder().decode(Result.self, from: Data($0.utf8)) } : nil
    }

    /// The symbol, from the result or else the request.
    var symbol: String { result?.symbol ?? request?.symbol ?? "?" }

    /// A one-line description such as "SP500 1d sma-cross 10/30".
    var title: String {
        "\(symbol) \(timeframe) sma-cross \(fast)/\(slow)"
    }

    /// The bar length and averages, from the result or else the request (defaults filled in).
    var timeframe: String { result?.timeframe ?? request?.resolvedTimeframe ?? BacktestJobRequest.defaultTimeframe }
    var fast: Int { result?.fast ?? request?.resolvedFast ?? BacktestJobRequest.defaultFast }
    var slow: Int { result?.slow ?? request?.resolvedSlow ?? BacktestJobRequest.defaultSlow }

    /// The list's entry for the API.
    var summary: JSONValue {
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
        return [
            "job_id": .integer(job.id), "status": .string(job.status.rawValue), "created_at": .string(job.createdAt.iso8601),
            "finished_at": .optional(job.finishedAt?.iso8601), "last_error": .optional(job.lastError),
            "symbol": .string(symbol), "timeframe": .string(timeframe), "fast": .int(fast), "slow": .int(slow),
            "final_equity": .optional(result?.final_equity), "return_pct": number(result?.return_pct),
            "max_drawdown_pct": number(result?.max_drawdown_pct), "sharpe_ratio": number(result?.sharpe_ratio),
            "trades": result.map { .int($0.trades) } ?? .null,
        ]
    }
}
