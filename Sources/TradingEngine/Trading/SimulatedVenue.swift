import TradingCore

/// The fill model of backtests and paper trading: how an order meets the next bar.
///
/// * Market orders fill at the bar's open (or, with `fillMarketAtClose`, at the close of the bar
///   the order was placed on), moved against the trader by `slippageBasisPoints`.
/// * A limit buy fills at the open when the open is at or below the limit (a better price), else at
///   the limit when the low reaches it; a limit sell mirrors this with the high.
/// * A stop buy triggers at the open when the open is at or above the stop (a gap: the open, not the
///   stop), else at the stop when the high reaches it; a stop sell mirrors this with the low. Stops
///   fill like market orders, so slippage applies.
/// * A bracket whose stop and target are both inside one bar's range is resolved by `policy`:
///   pessimistic (the default) fills the stop — with only OHLC data the order in which the two
///   prices traded is unknown, and assuming the worse keeps backtests from flattering a strategy.
/// * Commission is `commissionRate` × notional. Quantities must be whole lots, limit and stop
///   prices whole ticks, and the notional at least `minimumNotional`; anything else is rejected
///   with the reason before it can book anything.
public struct SimulatedVenue: Sendable {
    /// Which leg of an ambiguous bracket fills.
    public enum BracketPolicy: String, Sendable {
        case pessimistic
        case optimistic
    }

    public var commissionRate: FixedDecimal
    public var slippageBasisPoints: FixedDecimal
    public var lotSize: FixedDecimal
    public var tickSize: FixedDecimal
    public var minimumNotional: FixedDecimal
    public var fillMarketAtClose: Bool
    public var policy: BracketPolicy

    /// Creates a venue; by default no costs, unit lots, a 1e-8 tick, market orders at the next open.
    public init(commissionRate: FixedDecimal = .zero, slippageBasisPoints: FixedDecimal = .zero, lotSize: FixedDecimal = FixedDecimal(1),
                tickSize: FixedDecimal = FixedDecimal(units: 10_000_000_000), minimumNotional: FixedDecimal = .zero,
                fillMarketAtClose: Bool = false, policy: BracketPolicy = .pessimistic) {
        self.commissionRate = commissionRate
        self.slippageBasisPoints = slippageBasisPoints
        self.lotSize = lotSize
        self.tickSize = tickSize
        self.minimumNotional = minimumNotional
        self.fillMarketAtClose = fillMarketAtClose
        self.policy = policy
    }

    /// A fill.
    public struct Fill: Sendable, Equatable {
        public let price: FixedDecimal
        public let quantity: FixedDecimal
        public let fee: FixedDecimal

        /// Creates a fill.
        public init(price: FixedDecimal, quantity: FixedDecimal, fee: FixedDecimal) {
            self.price = price
            self.quantity = quantity
            self.fee = fee
        }
    }

    /// The outcome of offering an order to a bar.
    public enum Outcome: Sendable, Equatable {
        case filled(Fill)
        /// Not triggered by this bar; it stays working.
        case working
        case rejected(String)
    }

    /// Checks the venue's own settings: costs that would create money or give positions away.
    public func validateCosts() -> String? {
        if commissionRate.isNegative || commissionRate >= FixedDecimal(1) { return "commission must be a fraction from 0 to below 1, got \(commissionRate)" }
        if slippageBasisPoints.isNegative || slippageBasisPoints >= FixedDecimal(10_000) { return "slippage must be 0 to below 10000 basis points, got \(slippageBasisPoints)" }
        if !lotSize.isPositive || !tickSize.isPositive { return "lot and tick sizes must be positive" }
        return nil
    }

    /// Checks an order's quantity and prices against the venue's rules.
    public func validate(_ order: Order) -> String? {
        guard order.quantity.value.isPositive else { return "quantity must be positive" }
        if !isMultiple(order.quantity.value, of: lotSize) { return "quantity \(order.quantity) is not a whole number of \(lotSize)-unit lots" }
        for price in order.type.prices {
            guard price.value.isPositive else { return "price must be positive" }
            if !isMultiple(price.value, of: tickSize) { return "price \(price) is off the \(tickSize) tick" }
        }
        return nil
    }

    /// Offers `order` to `bar` (the bar after the order was placed; for market orders at close,
    /// the bar it was placed on).
    public func offer(_ order: Order, to bar: Bar) -> Outcome {
        if let problem = validateCosts() ?? validate(order) { return .rejected(problem) }
        let buying = order.side == .buy
        let open = bar.open.value, high = bar.high.value, low = bar.low.value
        let price: FixedDecimal
        switch order.type {
        case .market:
            price = slipped(fillMarketAtClose ? bar.close.value : open, buying: buying)
        case .limit(let limit):
            guard let reached = Self.limitFill(limit.value, buying: buying, bar: bar) else { return .working }
            price = reached
        case .stop(let stop):
            let level = stop.value
            if buying ? open >= level : open <= level {
                price = slipped(open, buying: buying)
            } else if buying ? high >= level : low <= level {
                price = slipped(level, buying: buying)
            } else {
                return .working
            }
        case .stopLimit(let stop, let limit):
            // Active from the open when the open is through the stop (then the bar's whole range
            // counts), else from the stop's trade inside the bar, where only the trigger price is
            // known to come after it: a limit beyond the trigger fills there, one behind it waits.
            let trigger = stop.value, level = limit.value
            if buying ? open >= trigger : open <= trigger {
                guard let reached = Self.limitFill(level, buying: buying, bar: bar) else { return .working }
                price = reached
            } else if (buying ? high >= trigger : low <= trigger) && (buying ? trigger <= level : trigger >= level) {
                price = trigger
            } else {
                return .working
            }
        }
        return fill(order.quantity.value, at: price)
    }

    /// Resolves an exit bracket (a protective stop and a profit target on the same position) on
    /// one bar: whichever the open already passed fills at the open; when the bar's range reaches
    /// both, `policy` decides. Returns which leg filled and how, or nil when neither triggered.
    public func offerBracket(stop: Order, target: Order, to bar: Bar) -> (leg: String, outcome: Outcome)? {
        let stopOutcome = offer(stop, to: bar), targetOutcome = offer(target, to: bar)
        switch (stopOutcome, targetOutcome) {
        case (.working, .working): return nil
        case (.working, _): return ("target", targetOutcome)
        case (_, .working): return ("stop", stopOutcome)
        default:
            // Both triggered. If the open was beyond one of them, that one traded first.
            if case .stop(let level) = stop.type, stop.side == .sell ? bar.open.value <= level.value : bar.open.value >= level.value {
                return ("stop", stopOutcome)
            }
            if case .limit(let level) = target.type, target.side == .sell ? bar.open.value >= level.value : bar.open.value <= level.value {
                return ("target", targetOutcome)
            }
            return policy == .pessimistic ? ("stop", stopOutcome) : ("target", targetOutcome)
        }
    }

    /// Where a limit order active for the whole bar fills: at the open when the open is already at
    /// or better than the limit, at the limit when the range reaches it, nowhere otherwise.
    static func limitFill(_ level: FixedDecimal, buying: Bool, bar: Bar) -> FixedDecimal? {
        let open = bar.open.value
        if buying ? open <= level : open >= level { return open }
        if buying ? bar.low.value <= level : bar.high.value >= level { return level }
        return nil
    }

    private func fill(_ quantity: FixedDecimal, at price: FixedDecimal) -> Outcome {
        guard let notional = try? quantity.multiplied(by: price), let fee = try? notional.multiplied(by: commissionRate) else {
            return .rejected("the notional overflows")
        }
        guard notional >= minimumNotional else { return .rejected("notional \(notional) is below the minimum \(minimumNotional)") }
        return .filled(Fill(price: price, quantity: quantity, fee: fee))
    }

    private func slipped(_ price: FixedDecimal, buying: Bool) -> FixedDecimal {
        guard !slippageBasisPoints.isZero, let fraction = try? slippageBasisPoints.divided(by: FixedDecimal(10_000)),
              let moved = try? price.multiplied(by: buying ? FixedDecimal(1) + fraction : FixedDecimal(1) - fraction) else { return price }
        return moved
    }

    private func isMultiple(_ value: FixedDecimal, of step: FixedDecimal) -> Bool {
        step.isPositive && value.units % step.units == 0
    }
}
