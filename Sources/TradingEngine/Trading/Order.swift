import TradingCore

/// Buy or sell.
public enum OrderSide: String, Sendable, Hashable, CaseIterable, Codable {
    case buy
    case sell
}

/// How an order is priced.
public enum OrderType: Sendable, Hashable {
    /// At the venue's next price.
    case market
    /// At the limit price or better.
    case limit(Price)
    /// A market order once the stop price trades.
    case stop(Price)
    /// A limit order at `limit` once the stop price trades.
    case stopLimit(stop: Price, limit: Price)

    /// The stored and served names of the types, in declaration order.
    public static let names = ["market", "limit", "stop", "stop_limit"]

    /// This type's name: `market`, `limit`, `stop` or `stop_limit`.
    public var name: String {
        switch self {
        case .market: Self.names[0]
        case .limit: Self.names[1]
        case .stop: Self.names[2]
        case .stopLimit: Self.names[3]
        }
    }

    /// The price the order may trade at or better, once active (limit and stop-limit orders).
    public var limitPrice: Price? {
        switch self {
        case .limit(let price), .stopLimit(_, let price): price
        case .market, .stop: nil
        }
    }

    /// The price whose trade activates the order (stop and stop-limit orders).
    public var stopPrice: Price? {
        switch self {
        case .stop(let price), .stopLimit(let price, _): price
        case .market, .limit: nil
        }
    }

    /// Every price the order carries (none for a market order).
    public var prices: [Price] { [stopPrice, limitPrice].compactMap { $0 } }
}

/// The life of an order. Terminal states never change again.
public enum OrderStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case new
    case accepted
    case partiallyFilled = "partially_filled"
    case filled
    case cancelled
    case rejected
    case expired

    /// Whether the order can change no further.
    public var isTerminal: Bool { [.filled, .cancelled, .rejected, .expired].contains(self) }

    /// The states reachable from this one: new → accepted | rejected; accepted → partially filled |
    /// filled | cancelled | expired; partially filled → partially filled | filled | cancelled | expired.
    public func canMove(to next: OrderStatus) -> Bool {
        switch (self, next) {
        case (.new, .accepted), (.new, .rejected): true
        case (.accepted, .partiallyFilled), (.accepted, .filled), (.accepted, .cancelled), (.accepted, .expired): true
        // An external venue may refuse an order the risk gate accepted (a filter, the balance).
        case (.accepted, .rejected): true
        case (.partiallyFilled, .partiallyFilled), (.partiallyFilled, .filled), (.partiallyFilled, .cancelled), (.partiallyFilled, .expired): true
        default: false
        }
    }
}

/// Why an order could not be created or moved.
public enum OrderError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidQuantity(String)
    case invalidTransition(from: OrderStatus, to: OrderStatus)
    case overfill(ordered: Quantity, filled: Quantity)

    public var description: String {
        switch self {
        case .invalidQuantity(let detail): "invalid order quantity: \(detail)"
        case .invalidTransition(let from, let to): "an order cannot move from \(from.rawValue) to \(to.rawValue)"
        case .overfill(let ordered, let filled): "a fill would take the order past its quantity (\(filled) of \(ordered))"
        }
    }
}

/// An order with an idempotent client id: submitting the same id twice is the same order.
public struct Order: Sendable, Hashable {
    /// The caller's id; a venue that sees it again must not create a second order.
    public let clientOrderID: String
    public let symbol: Symbol
    public let side: OrderSide
    public let type: OrderType
    /// A positive quantity.
    public let quantity: Quantity
    /// When it was created.
    public let createdAt: Timestamp
    public private(set) var status: OrderStatus
    public private(set) var filledQuantity: Quantity
    /// Σ fill quantity × price (exact), for the average fill price.
    public private(set) var filledNotional: FixedDecimal

    /// Creates a new order; the quantity must be positive.
    public init(clientOrderID: String, symbol: Symbol, side: OrderSide, type: OrderType = .market, quantity: Quantity,
                createdAt: Timestamp) throws(OrderError) {
        guard quantity.value.isPositive else { throw .invalidQuantity("must be positive, got \(quantity)") }
        self.clientOrderID = clientOrderID
        self.symbol = symbol
        self.side = side
        self.type = type
        self.quantity = quantity
        self.createdAt = createdAt
        status = .new
        filledQuantity = Quantity(.zero)
        filledNotional = .zero
    }

    /// Moves to a state the state machine allows.
    public mutating func move(to next: OrderStatus) throws(OrderError) {
        guard status.canMove(to: next) else { throw .invalidTransition(from: status, to: next) }
        status = next
    }

    /// Records a fill: partially filled or filled by the quantity now filled.
    public mutating func fill(_ quantity: Quantity, at price: Price) throws(OrderError) {
        let total = Quantity(filledQuantity.value + quantity.value)
        guard quantity.value.isPositive else { throw .invalidQuantity("a fill must be positive, got \(quantity)") }
        guard total <= self.quantity else { throw .overfill(ordered: self.quantity, filled: total) }
        guard let notional = try? quantity.value.multiplied(by: price.value) else { throw .invalidQuantity("the fill's notional overflows fixed point") }
        let next: OrderStatus = total == self.quantity ? .filled : .partiallyFilled
        try move(to: next)
        filledQuantity = total
        filledNotional = filledNotional + notional
    }
}
