import TradingCore

/// What a submission came to. A venue that could not tell (a time-out, a 5xx after the request
/// was sent) answers `.unknown`: the order may exist, and it is resolved by querying its client
/// order id — never by sending it again.
public enum VenueSubmission: Sendable, Hashable {
    /// The venue has the order (its state as the venue answered).
    case accepted(VenueOrderState)
    /// The venue refused it; nothing exists.
    case rejected(reason: String)
    /// The outcome is not known.
    case unknown(reason: String)
}

/// Why a venue call failed without an answer about the order (network, rate limit, ban, bad key).
public struct VenueError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure, so callers can react without parsing text.
    public enum Kind: String, Sendable, Hashable {
        case unreachable
        case rateLimited = "rate_limited"
        case banned
        case unauthorized
        case rejected
        case malformedResponse = "malformed_response"
        case unknownSymbol = "unknown_symbol"
    }

    public let kind: Kind
    /// What happened, with no secret in it.
    public let message: String
    /// When a retry may work (rate limits and bans).
    public let retryAt: Timestamp?

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, retryAt: Timestamp? = nil) {
        self.kind = kind
        self.message = message
        self.retryAt = retryAt
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}

/// The port every venue implements — the simulator, Binance, Alpaca — so that the session cannot
/// tell them apart. Calls may wait on the network; the trading path never awaits them inline (it
/// hands orders to a task and reacts to `executionReports`).
public protocol ExecutionVenue: Sendable {
    /// A short name for logs and metrics (`simulated`, `binance`).
    var name: String { get }
    /// The rules of each symbol; a symbol the venue does not list is a `VenueError.unknownSymbol`.
    func instrumentRules(for symbols: [Symbol]) async throws -> [Symbol: InstrumentRules]
    /// Sends an order under its client order id.
    func submit(_ request: VenueOrderRequest) async throws -> VenueSubmission
    /// Asks to cancel; answers the order's state after the request (nil: the venue has no such order).
    func cancel(clientOrderID: String, symbol: Symbol) async throws -> VenueOrderState?
    /// The order with this client order id, or nil when the venue has none.
    func order(clientOrderID: String, symbol: Symbol) async throws -> VenueOrderState?
    /// Orders still working.
    func openOrders(symbols: [Symbol]) async throws -> [VenueOrderState]
    /// Balances by asset.
    func balances() async throws -> [String: VenueBalance]
    /// The account's fills of `symbol` at or after `since`, oldest first (reconciliation).
    func fills(symbol: Symbol, since: Timestamp) async throws -> [VenueFill]
    /// Execution reports as the venue sends them; a venue may repeat or reorder them (the ledger
    /// books each trade id once).
    func executionReports() async -> AsyncStream<ExecutionReport>
    /// Asks the venue about orders whose reports may be missing (outcomes unknown after a
    /// time-out, working orders while no account stream runs) and reports what changed.
    func synchronize() async throws
}

extension ExecutionVenue {
    /// A venue that reports every change as it happens has nothing to ask.
    public func synchronize() async throws {}
}
