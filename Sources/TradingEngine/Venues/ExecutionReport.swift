import TradingCore

/// One trade of an order: its quantity and price, and the fee as the venue charged it (possibly
/// in an asset other than the quote currency, such as BNB).
public struct VenueFill: Sendable, Hashable, Codable {
    /// The venue's trade id, unique per symbol: a fill reported twice is booked once.
    public let tradeID: String
    public let clientOrderID: String
    public let symbol: Symbol
    public let side: OrderSide
    public let quantity: FixedDecimal
    public let price: FixedDecimal
    public let fee: FixedDecimal
    public let feeAsset: String
    public let time: Timestamp

    /// Creates a fill.
    public init(tradeID: String, clientOrderID: String, symbol: Symbol, side: OrderSide, quantity: FixedDecimal, price: FixedDecimal,
                fee: FixedDecimal, feeAsset: String, time: Timestamp) {
        self.tradeID = tradeID
        self.clientOrderID = clientOrderID
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.price = price
        self.fee = fee
        self.feeAsset = feeAsset
        self.time = time
    }

    /// The fee in the quote asset: as charged when it is the quote asset, the fill's quantity
    /// share of it when charged in the base asset, and at `feeAssetPrice` (quote per fee asset,
    /// the fill's own price when the fee asset is the base) otherwise; nil when no price is known.
    public func feeInQuote(rules: InstrumentRules, feeAssetPrice: FixedDecimal?) -> FixedDecimal? {
        if feeAsset == rules.quoteAsset { return fee }
        if feeAsset == rules.baseAsset { return try? fee.multiplied(by: price) }
        guard let feeAssetPrice else { return nil }
        return try? fee.multiplied(by: feeAssetPrice)
    }
}

/// What a venue says happened to an order.
public struct ExecutionReport: Sendable, Hashable {
    /// The kind of event.
    public enum Kind: String, Sendable, Hashable, Codable {
        case accepted
        case partialFill = "partial_fill"
        case fill
        case cancelled
        case rejected
        case expired
    }

    public let kind: Kind
    public let clientOrderID: String
    /// The venue's own order id, when known.
    public let venueOrderID: String?
    public let symbol: Symbol
    public let side: OrderSide
    /// The order's quantity.
    public let quantity: FixedDecimal
    /// Σ filled so far, including this report's fill.
    public let cumulativeQuantity: FixedDecimal
    /// The trade this report carries (partial fill and fill).
    public let fill: VenueFill?
    /// Why (rejected, cancelled or expired), in the venue's words.
    public let reason: String?
    /// The venue's event time.
    public let time: Timestamp

    /// Creates a report.
    public init(kind: Kind, clientOrderID: String, venueOrderID: String?, symbol: Symbol, side: OrderSide, quantity: FixedDecimal,
                cumulativeQuantity: FixedDecimal, fill: VenueFill? = nil, reason: String? = nil, time: Timestamp) {
        self.kind = kind
        self.clientOrderID = clientOrderID
        self.venueOrderID = venueOrderID
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.cumulativeQuantity = cumulativeQuantity
        self.fill = fill
        self.reason = reason
        self.time = time
    }
}

/// An order as the venue holds it (query and open-orders answers).
public struct VenueOrderState: Sendable, Hashable {
    public let clientOrderID: String
    public let venueOrderID: String?
    public let symbol: Symbol
    public let side: OrderSide
    public let type: OrderType
    public let status: OrderStatus
    public let quantity: FixedDecimal
    public let filledQuantity: FixedDecimal
    /// Σ fill quantity × price.
    public let filledNotional: FixedDecimal
    /// When the venue last changed it.
    public let updatedAt: Timestamp

    /// Creates a state.
    public init(clientOrderID: String, venueOrderID: String?, symbol: Symbol, side: OrderSide, type: OrderType, status: OrderStatus,
                quantity: FixedDecimal, filledQuantity: FixedDecimal, filledNotional: FixedDecimal, updatedAt: Timestamp) {
        self.clientOrderID = clientOrderID
        self.venueOrderID = venueOrderID
        self.symbol = symbol
        self.side = side
        self.type = type
        self.status = status
        self.quantity = quantity
        self.filledQuantity = filledQuantity
        self.filledNotional = filledNotional
        self.updatedAt = updatedAt
    }
}

/// One asset's balance on a venue.
public struct VenueBalance: Sendable, Hashable, Codable {
    public let asset: String
    /// Available to trade.
    public let free: FixedDecimal
    /// Held by open orders.
    public let locked: FixedDecimal

    /// Creates a balance.
    public init(asset: String, free: FixedDecimal, locked: FixedDecimal) {
        self.asset = asset
        self.free = free
        self.locked = locked
    }

    /// Free plus locked.
    public var total: FixedDecimal { free + locked }
}

extension ExecutionReport.Kind {
    /// The report that ends an order the venue holds in `status` (nil while it works or once filled).
    public init?(ending status: OrderStatus) {
        switch status {
        case .cancelled: self = .cancelled
        case .expired: self = .expired
        case .rejected: self = .rejected
        default: return nil
        }
    }

    /// The state a report leaves its order in (nil for an acceptance: the order's own state stands).
    public var orderStatus: OrderStatus? {
        switch self {
        case .accepted: nil
        case .partialFill: .partiallyFilled
        case .fill: .filled
        case .cancelled: .cancelled
        case .expired: .expired
        case .rejected: .rejected
        }
    }
}
