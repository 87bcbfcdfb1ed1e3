import TradingCore

/// The limits every order must pass.
public struct RiskLimits: Sendable, Hashable {
    /// Largest |position value| / equity after the order.
    public var maximumPositionWeight: Double
    /// Largest Σ |position values| / equity after the order.
    public var maximumGrossExposure: Double
    /// Largest notional of one order.
    public var maximumOrderNotional: FixedDecimal
    /// Most orders approved within any 60 seconds.
    public var maximumOrdersPerMinute: Int
    /// Loss from the day's opening equity (UTC day) that moves trading to REDUCING.
    public var maximumDailyLoss: Double
    /// Fall from the peak equity that HALTS trading.
    public var maximumDrawdown: Double

    /// Creates limits; the defaults suit a cautious unlevered account.
    public init(maximumPositionWeight: Double = 0.25, maximumGrossExposure: Double = 1.0, maximumOrderNotional: FixedDecimal = FixedDecimal(100_000),
                maximumOrdersPerMinute: Int = 60, maximumDailyLoss: Double = 0.03, maximumDrawdown: Double = 0.15) {
        self.maximumPositionWeight = maximumPositionWeight
        self.maximumGrossExposure = maximumGrossExposure
        self.maximumOrderNotional = maximumOrderNotional
        self.maximumOrdersPerMinute = maximumOrdersPerMinute
        self.maximumDailyLoss = maximumDailyLoss
        self.maximumDrawdown = maximumDrawdown
    }
}

/// Whether the engine may trade: freely, only to reduce risk, or not at all.
public enum TradingState: String, Sendable, Hashable, CaseIterable, Codable {
    case active = "ACTIVE"
    case reducing = "REDUCING"
    case halted = "HALTED"
}

/// The risk gate (RiskEngine): every order passes it, and equity marks can change the trading state.
///
/// Order checks, in order: HALTED rejects everything; REDUCING rejects any order that does not
/// reduce an existing position (a reducing order shrinks |position| without reversing it); then
/// the order notional, the order rate (approved orders in the last 60 s), the position weight and
/// the gross exposure after the order. Orders that only reduce risk skip the weight and exposure
/// checks (they can only improve them).
///
/// Equity marks: a fall of `maximumDrawdown` from the peak HALTS (until an operator resumes); a
/// loss of `maximumDailyLoss` from the previous UTC day's last mark moves ACTIVE to REDUCING for
/// the rest of that day: the first mark of the next day returns to ACTIVE (and is itself checked
/// against the limit). Every state change and every rejection is an alert with the numbers.
public struct RiskEngine: Sendable {
    /// One order the strategy wants, priced at its expected fill.
    public struct ProposedOrder: Sendable {
        public let symbol: Symbol
        public let side: OrderSide
        public let quantity: FixedDecimal
        public let price: FixedDecimal

        /// Creates a proposed order.
        public init(symbol: Symbol, side: OrderSide, quantity: FixedDecimal, price: FixedDecimal) {
            self.symbol = symbol
            self.side = side
            self.quantity = quantity
            self.price = price
        }
    }

    /// The gate's answer.
    public struct Decision: Sendable, Equatable {
        public let approved: Bool
        /// The rule that rejected it, such as `max_order_notional`.
        public let rule: String?
        public let reason: String?
    }

    /// An alert the gate raises, stored with the step that raised it (state changes and CRITICAL ones
    /// also printed on the run's console).
    public struct Alert: Sendable, Equatable {
        /// How much an alert matters: a state change to ACTIVE is INFO, to REDUCING or HALTED (and a
        /// book that does not reconcile) CRITICAL, a refused order or a skipped decision WARNING.
        public enum Level: String, Sendable, CaseIterable {
            case info = "INFO"
            case warning = "WARNING"
            case critical = "CRITICAL"
        }

        public let level: Level
        public let rule: String
        public let message: String
        public let time: Timestamp
    }

    public let limits: RiskLimits
    public private(set) var state: TradingState = .active
    public private(set) var alerts: [Alert] = []
    private var peakEquity: FixedDecimal?
    private var dayStartEquity: FixedDecimal?
    private var currentDay: Int64?
    private var lastEquity: FixedDecimal?
    private var approvedTimes: [Timestamp] = []
    /// Whether REDUCING came from the daily loss limit (it ends with the day; a manual state does not).
    private var reducingForTheDay = false

    /// Creates a gate.
    public init(limits: RiskLimits) {
        self.limits = limits
    }

    /// What the gate remembers between marks, to resume after a restart exactly where it was.
    public struct Snapshot: Sendable, Hashable, Codable {
        public let state: TradingState
        public let peakEquity: FixedDecimal?
        public let dayStartEquity: FixedDecimal?
        public let currentDay: Int64?
        public let lastEquity: FixedDecimal?
        /// Approval times still inside the order-rate window.
        public let approvedTimes: [Timestamp]
        public let reducingForTheDay: Bool
    }

    /// The gate's memory now (alerts are not part of it: they are stored as they happen).
    public var snapshot: Snapshot {
        let windowStart = (approvedTimes.last?.millisecondsSinceEpoch ?? 0) - 60_000
        return Snapshot(state: state, peakEquity: peakEquity, dayStartEquity: dayStartEquity, currentDay: currentDay, lastEquity: lastEquity,
                        approvedTimes: approvedTimes.filter { $0.millisecondsSinceEpoch > windowStart }, reducingForTheDay: reducingForTheDay)
    }

    /// Resumes a gate from its memory.
    public init(limits: RiskLimits, snapshot: Snapshot) {
        self.limits = limits
        state = snapshot.state
        peakEquity = snapshot.peakEquity
        dayStartEquity = snapshot.dayStartEquity
        currentDay = snapshot.currentDay
        lastEquity = snapshot.lastEquity
        approvedTimes = snapshot.approvedTimes
        reducingForTheDay = snapshot.reducingForTheDay
    }

    /// Forgets the alerts raised so far (a running session hands them to the store step by step).
    public mutating func takeAlerts() -> [Alert] {
        defer { alerts = [] }
        return alerts
    }

    /// Checks an order against the state and limits; `positions` are signed quantities with their latest prices.
    public mutating func check(_ order: ProposedOrder, equity: FixedDecimal, positions: [Symbol: (quantity: FixedDecimal, price: FixedDecimal)],
                               at time: Timestamp) -> Decision {
        guard order.quantity.isPositive else { return reject("invalid_quantity", "the quantity must be positive, got \(order.quantity)", at: time) }
        guard order.price.isPositive else { return reject("invalid_price", "the price must be positive, got \(order.price)", at: time) }
        if state == .halted { return reject("halted", "trading is halted", at: time) }
        let held = positions[order.symbol]?.quantity ?? .zero
        let signed = order.side == .buy ? order.quantity : -order.quantity
        let after = held + signed
        // Reducing: against the position, and not through zero to the other side.
        let reducing = !held.isZero && held.isPositive != signed.isPositive && (after.isZero || after.isPositive == held.isPositive)
        if state == .reducing && !reducing {
            return reject("reducing_only", "trading is REDUCING: only orders that shrink a position pass", at: time)
        }
        let notional = (try? order.quantity.multiplied(by: order.price)) ?? FixedDecimal(units: .max)
        if notional > limits.maximumOrderNotional {
            return reject("max_order_notional", "order notional \(notional) is above the limit \(limits.maximumOrderNotional)", at: time)
        }
        let windowStart = time.millisecondsSinceEpoch - 60_000
        approvedTimes.removeAll { $0.millisecondsSinceEpoch <= windowStart }
        if approvedTimes.count >= limits.maximumOrdersPerMinute {
            return reject("max_orders_per_minute", "\(approvedTimes.count) orders in the last minute; the limit is \(limits.maximumOrdersPerMinute)", at: time)
        }
        if !reducing {
            guard equity.isPositive else { return reject("no_equity", "equity is \(equity); no risk can be added", at: time) }
            let equityValue = equity.doubleValue
            let positionWeight = abs(after.doubleValue * order.price.doubleValue) / equityValue
            if positionWeight > limits.maximumPositionWeight + 1e-12 {
                return reject("max_position_weight", "\(order.symbol.rawValue) would weigh \(percent(positionWeight)) of equity; the limit is \(percent(limits.maximumPositionWeight))", at: time)
            }
            var gross = abs(after.doubleValue * order.price.doubleValue)
            for (symbol, position) in positions where symbol != order.symbol { gross += abs(position.quantity.doubleValue * position.price.doubleValue) }
            if gross / equityValue > limits.maximumGrossExposure + 1e-12 {
                return reject("max_gross_exposure", "gross exposure would be \(percent(gross / equityValue)) of equity; the limit is \(percent(limits.maximumGrossExposure))", at: time)
            }
        }
        approvedTimes.append(time)
        return Decision(approved: true, rule: nil, reason: nil)
    }

    /// Marks equity: tracks the peak and the day's opening value, and moves the state on a breach.
    public mutating func markEquity(_ equity: FixedDecimal, at time: Timestamp) {
        let day = time.millisecondsSinceEpoch >= 0 ? time.millisecondsSinceEpoch / 86_400_000 : (time.millisecondsSinceEpoch - 86_399_999) / 86_400_000
        // The day's loss is measured from the last mark of the previous day (its close), so the
        // first bar of a day counts too — with daily bars every mark is a new day.
        if currentDay != day {
            currentDay = day
            dayStartEquity = lastEquity ?? equity
            if state == .reducing && reducingForTheDay {
                reducingForTheDay = false
                move(to: .active, rule: "daily_loss_reset", message: "a new UTC day began; the daily loss is measured from the previous close again", at: time)
            }
        }
        lastEquity = equity
        if peakEquity == nil || equity > peakEquity! { peakEquity = equity }
        guard let peak = peakEquity, peak.isPositive else { return }
        let drawdown = 1 - equity.doubleValue / peak.doubleValue
        let dailyLoss = dayStartEquity.map { $0.isPositive ? 1 - equity.doubleValue / $0.doubleValue : 0 } ?? 0
        if drawdown >= limits.maximumDrawdown && state != .halted {
            move(to: .halted, rule: "max_drawdown", message: "equity \(equity) is \(percent(drawdown)) below its peak \(peak); the limit is \(percent(limits.maximumDrawdown))", at: time)
        } else if dailyLoss >= limits.maximumDailyLoss && state == .active {
            reducingForTheDay = true
            move(to: .reducing, rule: "max_daily_loss", message: "equity \(equity) is \(percent(dailyLoss)) below the previous close \(dayStartEquity ?? equity); the limit is \(percent(limits.maximumDailyLoss))", at: time)
        }
    }

    /// Halts trading by hand (the trader's halt).
    public mutating func halt(reason: String, at time: Timestamp) {
        move(to: .halted, rule: "manual_halt", message: reason, at: time)
    }

    /// Moves ACTIVE to REDUCING by hand or by a security alert (only risk-reducing orders pass, until a resume).
    public mutating func reduce(reason: String, at time: Timestamp) {
        guard state == .active else { return }
        reducingForTheDay = false
        move(to: .reducing, rule: "manual_reduce", message: reason, at: time)
    }

    /// Resumes trading by hand; the drawdown peak restarts from the next mark so the same loss does not halt again at once.
    public mutating func resume(at time: Timestamp) {
        guard state != .active else { return }
        peakEquity = nil
        dayStartEquity = nil
        currentDay = nil
        lastEquity = nil
        move(to: .active, rule: "manual_resume", message: "trading resumed", at: time)
    }

    private mutating func move(to next: TradingState, rule: String, message: String, at time: Timestamp) {
        let level: Alert.Level = next == .active ? .info : .critical
        alerts.append(Alert(level: level, rule: rule, message: "\(state.rawValue) → \(next.rawValue): \(message)", time: time))
        state = next
    }

    private mutating func reject(_ rule: String, _ reason: String, at time: Timestamp) -> Decision {
        alerts.append(Alert(level: .warning, rule: rule, message: "order rejected: \(reason)", time: time))
        return Decision(approved: false, rule: rule, reason: reason)
    }

    private func percent(_ value: Double) -> String {
        "\((value * 10_000).rounded() / 100) %"
    }
}
