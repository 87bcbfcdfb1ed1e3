import TradingCore

/// An order as the session sends it to a venue. The client order id is the idempotency key: a
/// venue that sees it again must not create a second order.
public struct VenueOrderRequest: Sendable, Hashable {
    /// Good till cancelled, or immediate-or-cancel.
    public enum TimeInForce: String, Sendable, Hashable, Codable {
        case goodTillCancelled = "gtc"
        case immediateOrCancel = "ioc"
        /// Until the end of the trading day (Alpaca's `day`; on the simulator, the UTC day it was placed).
        case day
    }

    public let clientOrderID: String
    public let symbol: Symbol
    public let side: OrderSide
    public let type: OrderType
    /// In the base asset, a positive exact decimal.
    public let quantity: FixedDecimal
    public let timeInForce: TimeInForce

    /// Creates a request.
    public init(clientOrderID: String, symbol: Symbol, side: OrderSide, type: OrderType = .market, quantity: FixedDecimal,
                timeInForce: TimeInForce = .goodTillCancelled) {
        self.clientOrderID = clientOrderID
        self.symbol = symbol
        self.side = side
        self.type = type
        self.quantity = quantity
        self.timeInForce = timeInForce
    }
}
