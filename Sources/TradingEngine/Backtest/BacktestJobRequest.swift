/// An sma-cross backtest of a stored symbol, as the API queues it and a worker runs it (the job's payload).
public struct BacktestJobRequest: Codable, Sendable {
    public let symbol: String
    public let timeframe: String?
    public let fast: Int?
    public let slow: Int?
    public let cash: String?
    public let commission: String?

    /// Creates a request (nil parts take the defaults below).
    public init(symbol: String, timeframe: String?, fast: Int?, slow: Int?, cash: String?, commission: String?) {
        self.symbol = symbol
        self.timeframe = timeframe
        self.fast = fast
        self.slow = slow
        self.cash = cash
        self.commission = commission
    }

    /// The defaults a worker runs with when a part is not given.
    public static let defaultTimeframe = "1d", defaultFast = 10, defaultSlow = 30, defaultCash = "100000", defaultCommission = "0.001"

    /// The parts as a worker runs them, defaults filled in.
    public var resolvedTimeframe: String { timeframe ?? Self.defaultTimeframe }
    public var resolvedFast: Int { fast ?? Self.defaultFast }
    public var resolvedSlow: Int { slow ?? Self.defaultSlow }
    public var resolvedCash: String { cash ?? Self.defaultCash }
    public var resolvedCommission: String { commission ?? Self.defaultCommission }

    /// The JSON members it accepts.
    public static let keys: Set<String> = ["symbol", "timeframe", "fast", "slow", "cash", "commission"]
}
