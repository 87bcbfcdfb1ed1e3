/// An sma-cross backtest of a stored symbol, as the API queues it and a worker runs it (the job's payload).
public struct BacktestJobRequest: Codable, Sendable {
    public let symbol: String
    public let timeframe: String?
    public let fast: Int?
    public let slow: Int?
    public let cash: String?
    public let commission: String?

    /// Creates a request (nil parts take the worker's defaults: 1d, 10/30, 100000 cash, 0.001 commission).
    public init(symbol: String, timeframe: String?, fast: Int?, slow: Int?, cash: String?, commission: String?) {
        self.symbol = symbol
        self.timeframe = timeframe
        self.fast = fast
        self.slow = slow
        self.cash = cash
        self.commission = commission
    }

    /// The JSON members it accepts.
    public static let keys: Set<String> = ["symbol", "timeframe", "fast", "slow", "cash", "commission"]
}
