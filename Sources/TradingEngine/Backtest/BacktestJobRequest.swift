/// An sma-cross backtest of a stored symbol, as the API queues it and a worker runs it (the job's payload).
public struct BacktestJobRequest: Codable, Sendable {
    public let symbol: String
    public let timeframe: String?
    public let fast: Int?
    public let slow: Int?
    public let cash: String?
    public let commission: String?

    /// The JSON members it accepts.
    public static let keys: Set<String> = ["symbol", "timeframe", "fast", "slow", "cash", "commission"]
}
