import TradingCore

/// What a venue accepts for one instrument, as exact decimals: price tick and range, quantity step
/// and range, and the smallest (and largest) notional. A zero bound means "no such bound", as in
/// Binance's filters.
public struct InstrumentRules: Sendable, Hashable, Codable {
    public let symbol: Symbol
    /// The asset bought and sold (BTC in BTCUSDT).
    public let baseAsset: String
    /// The asset prices and notionals are in (USDT in BTCUSDT).
    public let quoteAsset: String
    public let tickSize: FixedDecimal
    public let minimumPrice: FixedDecimal
    public let maximumPrice: FixedDecimal
    public let stepSize: FixedDecimal
    public let minimumQuantity: FixedDecimal
    public let maximumQuantity: FixedDecimal
    /// The step of market orders when the venue sets one apart (Binance's MARKET_LOT_SIZE); nil: `stepSize`.
    public let marketStepSize: FixedDecimal?
    /// The largest market order quantity when the venue sets one apart; nil: `maximumQuantity`.
    public let marketMaximumQuantity: FixedDecimal?
    public let minimumNotional: FixedDecimal
    /// Zero: no upper bound.
    public let maximumNotional: FixedDecimal
    /// Whether market orders must meet the minimum notional (at the reference price).
    public let minimumNotionalAppliesToMarket: Bool
    /// Whether the venue accepts new orders for it now.
    public let isTrading: Bool

    /// Creates rules; bounds left zero are off.
    public init(symbol: Symbol, baseAsset: String, quoteAsset: String, tickSize: FixedDecimal = .zero, minimumPrice: FixedDecimal = .zero,
                maximumPrice: FixedDecimal = .zero, stepSize: FixedDecimal = .zero, minimumQuantity: FixedDecimal = .zero,
                maximumQuantity: FixedDecimal = .zero, marketStepSize: FixedDecimal? = nil, marketMaximumQuantity: FixedDecimal? = nil,
                minimumNotional: FixedDecimal = .zero, maximumNotional: FixedDecimal = .zero, minimumNotionalAppliesToMarket: Bool = true,
                isTrading: Bool = true) {
        self.symbol = symbol
        self.baseAsset = baseAsset
        self.quoteAsset = quoteAsset
        self.tickSize = tickSize
        self.minimumPrice = minimumPrice
        self.maximumPrice = maximumPrice
        self.stepSize = stepSize
        self.minimumQuantity = minimumQuantity
        self.maximumQuantity = maximumQuantity
        self.marketStepSize = marketStepSize
        self.marketMaximumQuantity = marketMaximumQuantity
        self.minimumNotional = minimumNotional
        self.maximumNotional = maximumNotional
        self.minimumNotionalAppliesToMarket = minimumNotionalAppliesToMarket
        self.isTrading = isTrading
    }

    /// A rule an order breaks, named so a user can find it in the venue's documentation.
    public struct Violation: Error, Sendable, Hashable, CustomStringConvertible {
        /// The filter's name: `PRICE_FILTER`, `LOT_SIZE`, `MARKET_LOT_SIZE`, `NOTIONAL` or `STATUS`.
        public let filter: String
        public let reason: String

        public var description: String { "\(filter): \(reason)" }
    }

    /// The first rule `order` breaks, or nil when the venue should accept it. `referencePrice` is
    /// the price a market order is expected to trade at (the last close), for its notional.
    public func violation(of order: VenueOrderRequest, referencePrice: FixedDecimal?) -> Violation? {
        guard isTrading else { return Violation(filter: "STATUS", reason: "\(symbol) is not trading on the venue now") }
        let quantity = order.quantity
        let limitPrice = (order.type.limitPrice ?? order.type.stopPrice)?.value
        for price in order.type.prices {
            if let problem = priceProblem(price.value) { return Violation(filter: "PRICE_FILTER", reason: problem) }
        }
        let isMarket = order.type == .market
        let step = isMarket ? (marketStepSize.flatMap { $0.isZero ? nil : $0 } ?? stepSize) : stepSize
        let maximum = isMarket ? (marketMaximumQuantity.flatMap { $0.isZero ? nil : $0 } ?? maximumQuantity) : maximumQuantity
        let lotFilter = isMarket && marketStepSize != nil ? "MARKET_LOT_SIZE" : "LOT_SIZE"
        if !quantity.isPositive { return Violation(filter: lotFilter, reason: "quantity must be positive, got \(quantity)") }
        if !minimumQuantity.isZero && quantity < minimumQuantity {
            return Violation(filter: lotFilter, reason: "quantity \(quantity) is below the minimum \(minimumQuantity)")
        }
        if !maximum.isZero && quantity > maximum { return Violation(filter: lotFilter, reason: "quantity \(quantity) is above the maximum \(maximum)") }
        if step.isPositive && !Self.isMultiple(quantity - minimumQuantity, of: step) {
            return Violation(filter: lotFilter, reason: "quantity \(quantity) is not a whole number of \(step) steps")
        }
        guard let price = limitPrice ?? referencePrice, let notional = try? quantity.multiplied(by: price) else { return nil }
        if (!isMarket || minimumNotionalAppliesToMarket) && notional < minimumNotional {
            return Violation(filter: "NOTIONAL", reason: "notional \(notional) (quantity × \(isMarket ? "last price" : "price") \(price)) is below the minimum \(minimumNotional)")
        }
        if !isMarket && !maximumNotional.isZero && notional > maximumNotional {
            return Violation(filter: "NOTIONAL", reason: "notional \(notional) is above the maximum \(maximumNotional)")
        }
        return nil
    }

    /// `quantity` rounded down to the venue's step (what a sizing rule may send).
    public func roundedDown(quantity: FixedDecimal, market: Bool) -> FixedDecimal {
        let step = market ? (marketStepSize.flatMap { $0.isZero ? nil : $0 } ?? stepSize) : stepSize
        guard step.isPositive, quantity.isPositive else { return quantity }
        return FixedDecimal(units: quantity.units - quantity.units % step.units)
    }

    private func priceProblem(_ price: FixedDecimal) -> String? {
        if !price.isPositive { return "price must be positive, got \(price)" }
        if !minimumPrice.isZero && price < minimumPrice { return "price \(price) is below the minimum \(minimumPrice)" }
        if !maximumPrice.isZero && price > maximumPrice { return "price \(price) is above the maximum \(maximumPrice)" }
        if tickSize.isPositive && !Self.isMultiple(price - minimumPrice, of: tickSize) { return "price \(price) is off the \(tickSize) tick" }
        return nil
    }

    private static func isMultiple(_ value: FixedDecimal, of step: FixedDecimal) -> Bool {
        value.units % step.units == 0
    }
}
