import TradingCore

/// A paper or live trading account as stored: which replay it trades and where it stands.
public struct TradingAccountRecord: Sendable, Hashable {
    /// The account's name (`paper` by default).
    public let name: String
    /// What the account trades (symbols, timeframe, cash, costs), so a restart with other settings is refused.
    public let fingerprint: String
    /// Bars processed; the next step is this bar.
    public let nextIndex: Int
    /// The session checkpoint as JSON text (nil before the first step).
    public let checkpoint: String?
    public let createdAt: Timestamp
    public let updatedAt: Timestamp

    /// Creates a record.
    public init(name: String, fingerprint: String, nextIndex: Int, checkpoint: String?, createdAt: Timestamp, updatedAt: Timestamp) {
        self.name = name
        self.fingerprint = fingerprint
        self.nextIndex = nextIndex
        self.checkpoint = checkpoint
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One mark of the account at a bar close.
public struct EquityPoint: Sendable, Hashable {
    public let time: Timestamp
    public let barIndex: Int
    public let equity: FixedDecimal
    public let cash: FixedDecimal
    public let grossExposure: FixedDecimal
    public let state: TradingState

    /// Creates a point.
    public init(time: Timestamp, barIndex: Int, equity: FixedDecimal, cash: FixedDecimal, grossExposure: FixedDecimal, state: TradingState) {
        self.time = time
        self.barIndex = barIndex
        self.equity = equity
        self.cash = cash
        self.grossExposure = grossExposure
        self.state = state
    }
}

/// An order as stored: the order's state at its last change.
public struct StoredOrder: Sendable, Hashable {
    public let clientOrderID: String
    public let symbol: Symbol
    public let side: OrderSide
    public let type: String
    public let quantity: FixedDecimal
    public let status: OrderStatus
    public let filledQuantity: FixedDecimal
    public let filledNotional: FixedDecimal
    public let createdAt: Timestamp
    public let updatedAt: Timestamp

    /// Creates a stored order.
    public init(clientOrderID: String, symbol: Symbol, side: OrderSide, type: String, quantity: FixedDecimal, status: OrderStatus,
                filledQuantity: FixedDecimal, filledNotional: FixedDecimal, createdAt: Timestamp, updatedAt: Timestamp) {
        self.clientOrderID = clientOrderID
        self.symbol = symbol
        self.side = side
        self.type = type
        self.quantity = quantity
        self.status = status
        self.filledQuantity = filledQuantity
        self.filledNotional = filledNotional
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The stored form of an order at `time`.
    public init(_ order: Order, at time: Timestamp) {
        self.init(clientOrderID: order.clientOrderID, symbol: order.symbol, side: order.side, type: order.type.name, quantity: order.quantity.value,
                  status: order.status, filledQuantity: order.filledQuantity.value, filledNotional: order.filledNotional,
                  createdAt: order.createdAt, updatedAt: time)
    }
}

/// An alert of the risk gate as stored.
public struct StoredAlert: Sendable, Hashable {
    public let level: String
    public let rule: String
    public let message: String
    public let time: Timestamp

    /// The stored form of a gate's alert.
    public init(_ alert: RiskEngine.Alert) {
        self.init(level: alert.level.rawValue, rule: alert.rule, message: alert.message, time: alert.time)
    }

    /// Creates a stored alert.
    public init(level: String, rule: String, message: String, time: Timestamp) {
        self.level = level
        self.rule = rule
        self.message = message
        self.time = time
    }
}

/// An operator's request to a running account, applied by the runner before its next step.
public struct TradingCommand: Sendable, Hashable {
    /// What is asked.
    public enum Kind: String, Sendable, Hashable {
        case halt
        /// Only risk-reducing orders until a resume.
        case reduce
        case resume
    }

    public let id: Int64?
    public let account: String
    public let kind: Kind
    /// With a halt: close every position at the next bar.
    public let flatten: Bool
    public let reason: String
    public let requestedAt: Timestamp
    /// When the runner applied it (nil while waiting).
    public let appliedAt: Timestamp?

    /// Creates a command.
    public init(id: Int64?, account: String, kind: Kind, flatten: Bool, reason: String, requestedAt: Timestamp, appliedAt: Timestamp?) {
        self.id = id
        self.account = account
        self.kind = kind
        self.flatten = flatten
        self.reason = reason
        self.requestedAt = requestedAt
        self.appliedAt = appliedAt
    }
}

/// Everything one step of a running account writes, stored in one transaction: either all of it
/// is there after a crash or none of it is, and the step is simply run again.
public struct TradingStepCommit: Sendable {
    public let account: String
    /// The mark that closes the step; its (account, time) key is unique, so a step can never be
    /// stored twice. Nil for what an execution report changed between two bars (its fills' trade
    /// ids, unique per order, keep those from being stored twice).
    public let equity: EquityPoint?
    /// The bars processed after this step and the checkpoint to resume from (nil inside a batch:
    /// only the batch's last step moves the account's checkpoint).
    public let nextIndex: Int
    public var checkpoint: String?
    public let orders: [StoredOrder]
    public let fills: [BookedFill]
    public let ledgerEntries: [Ledger.Entry]
    public let alerts: [StoredAlert]
    public var forecasts: [ForecastRecord]
    /// The live bars this step was the first to process, stored with it: a restart finds in the
    /// store every bar the loop traded on, and a bar received but not processed is fetched again.
    public var liveBars: LiveBarGroup?
    /// Commands applied in this step.
    public let appliedCommandIDs: [Int64]

    /// Creates a commit.
    public init(account: String, equity: EquityPoint?, nextIndex: Int, checkpoint: String?, orders: [StoredOrder], fills: [BookedFill],
                ledgerEntries: [Ledger.Entry], alerts: [StoredAlert], forecasts: [ForecastRecord], appliedCommandIDs: [Int64]) {
        self.account = account
        self.equity = equity
        self.nextIndex = nextIndex
        self.checkpoint = checkpoint
        self.orders = orders
        self.fills = fills
        self.ledgerEntries = ledgerEntries
        self.alerts = alerts
        self.forecasts = forecasts
        self.appliedCommandIDs = appliedCommandIDs
    }
}

/// Where trading accounts keep their orders, fills, ledger, equity, alerts and checkpoint.
public protocol TradingStore: Sendable {
    /// Creates the account when it does not exist; returns it as stored.
    func openTradingAccount(name: String, fingerprint: String, at time: Timestamp) async throws -> TradingAccountRecord
    /// The account, or nil.
    func tradingAccount(name: String) async throws -> TradingAccountRecord?
    /// The names of every account.
    func tradingAccountNames() async throws -> [String]
    /// Stores steps, in order, in one transaction; fails (storing nothing) when one of them is already stored.
    func commitTradingSteps(_ commits: [TradingStepCommit]) async throws
    /// Orders, newest first.
    func tradingOrders(account: String, limit: Int) async throws -> [StoredOrder]
    /// Fills, newest first.
    func tradingFills(account: String, limit: Int) async throws -> [BookedFill]
    /// Ledger lines, in posting order, from `afterSequence` on.
    func ledgerEntries(account: String, afterSequence: Int, limit: Int) async throws -> [Ledger.Entry]
    /// Equity marks, oldest first, the newest `limit` of them.
    func equityHistory(account: String, limit: Int) async throws -> [EquityPoint]
    /// Alerts, newest first.
    func tradingAlerts(account: String, limit: Int) async throws -> [StoredAlert]
    /// Queues an operator's command for the runner; returns it with its id.
    func requestTradingCommand(_ command: TradingCommand) async throws -> TradingCommand
    /// Stores a command once per idempotency key: a second request with the key stores nothing
    /// and returns the first one's command (`repeated` true).
    func requestTradingCommand(_ command: TradingCommand, idempotencyKey: String) async throws -> (command: TradingCommand, repeated: Bool)
    /// Commands not applied yet, oldest first.
    func pendingTradingCommands(account: String) async throws -> [TradingCommand]
}
