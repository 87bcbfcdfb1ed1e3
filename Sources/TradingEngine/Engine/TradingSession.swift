import Foundation
import PortfolioOptimizer
import Prediction
import TradingCore

/// The trading pipeline one bar at a time, with every change of a step handed out so a caller can
/// store it in one transaction, and a checkpoint to resume from after a crash.
///
/// A step at bar t (bars of every symbol at the same times):
/// 1. orders accepted at the previous close meet this bar on the venue (sells first, then buys;
///    a buy that would cost more than the cash is cut to the whole lots the cash pays for);
/// 2. the ledger is marked at the close and the risk gate sees the equity (REDUCING / HALTED);
/// 3. the policy forecasts from `asOf(close)` views — no later bar is reachable — and every
///    `decisionInterval` bars its target weights become orders through the drift rebalancer; each
///    order passes the risk gate or is rejected with the rule's name.
///
/// Backtests step through a replay as fast as they can; a paper run steps on a clock and stores
/// each `Step`. Both run this code, so they cannot disagree.
public struct TradingSession<Policy: AllocationPolicy>: Sendable {
    public let settings: TradingSettings
    public let symbols: [Symbol]
    public private(set) var ledger: Ledger
    public private(set) var gate: RiskEngine
    public private(set) var policy: Policy
    public private(set) var pending: [Order] = []
    public private(set) var nextIndex = 0
    /// The bar this session started from (0, or the checkpoint's bar when resumed).
    public private(set) var startIndex = 0
    public private(set) var lastCloseTime: Timestamp?
    public private(set) var decisions = 0
    public private(set) var exposedBars = 0
    /// Fills booked since the session began (across restarts).
    public private(set) var fillCount = 0
    public private(set) var marks: [Symbol: FixedDecimal] = [:]
    private var orderSequence = 0
    private var series: [Symbol: BarSeries]
    private var bars: [Symbol: [Bar]]
    /// Bars forgotten from the front of `bars` and `series`; indices stay those of the whole run.
    private var forgottenBars = 0
    /// Bars kept in memory before the next one to process, as live bars come (nil: every bar). The
    /// policy must not look further back than this (a history window no longer than it), so
    /// forgetting changes no decision; it keeps a long live session's memory flat.
    public var historyRetention: Int?
    /// Whether more bars will be appended (a live feed): the last bar known is then not the end,
    /// so a decision there is taken (its orders fill on the next bar to come).
    public var expectsMoreBars = false
    /// Whether orders go to an external venue: a step then fills nothing itself, and an order is
    /// in flight (`pending`) until the venue's execution reports, applied with `apply(_:)`, end it.
    public var externalExecution = false
    /// Whether a decision may place orders. A session on an external venue trades only on live
    /// bars: the bars it catches up through after a start take no decision.
    public var ordersEnabled = true
    /// The external venue's rules per symbol: quantity steps for the rebalancer, assets for fees.
    public var instrumentRules: [Symbol: InstrumentRules] = [:]
    /// The venue trades booked for each order in flight (each trade is booked once).
    private var bookedTrades: [String: [PendingTrade]] = [:]
    /// Terminal states reported before all their trades: applied once the trades are booked.
    private var terminalAfterTrades: [String: (status: OrderStatus, filled: FixedDecimal)] = [:]

    /// Why a session cannot start or go on.
    public typealias SessionError = TradingLoop.LoopError

    /// Starts a session over `bars` (same times for every symbol), or resumes one from a checkpoint.
    public init(bars: [Symbol: [Bar]], timeframe: Timeframe, settings: TradingSettings, policy: Policy, resumingFrom checkpoint: SessionCheckpoint? = nil) throws {
        let symbols = bars.keys.sorted { $0.rawValue < $1.rawValue }
        guard let first = symbols.first, let count = bars[first]?.count, count > 1 else { throw SessionError.invalidInput("no bars") }
        for symbol in symbols where bars[symbol]!.map(\.openTime) != bars[first]!.map(\.openTime) {
            throw SessionError.invalidInput("\(symbol.rawValue) does not have bars at the same times as \(first.rawValue); align the files first")
        }
        guard settings.decisionInterval >= 1 else { throw SessionError.invalidInput("the decision interval must be at least one bar") }
        guard !settings.venue.fillMarketAtClose else {
            throw SessionError.invalidInput("the loop fills orders at the next bar's open; fill-at-close is for single-bar tests")
        }
        if let problem = settings.venue.validateCosts() { throw SessionError.invalidInput(problem) }
        self.settings = settings
        self.symbols = symbols
        self.bars = bars
        self.policy = policy
        series = try Dictionary(uniqueKeysWithValues: symbols.map { ($0, try BarSeries(bars: bars[$0]!, timeframe: timeframe)) })
        guard let checkpoint else {
            ledger = Ledger(cash: settings.cash, at: bars[first]![0].openTime)
            gate = RiskEngine(limits: settings.limits)
            return
        }
        guard checkpoint.nextIndex <= count else {
            throw SessionError.invalidInput("the checkpoint is at bar \(checkpoint.nextIndex) but the replay has only \(count) bars")
        }
        if let time = checkpoint.lastCloseTime, checkpoint.nextIndex > 0, series[first]!.closeTime(ofBar: checkpoint.nextIndex - 1) != time {
            throw SessionError.invalidInput("the checkpoint's last bar closed at \(time.iso8601), but bar \(checkpoint.nextIndex - 1) of this replay closes at \(series[first]!.closeTime(ofBar: checkpoint.nextIndex - 1).iso8601): the data changed")
        }
        ledger = Ledger(snapshot: checkpoint.ledger)
        gate = RiskEngine(limits: settings.limits, snapshot: checkpoint.gate)
        pending = try checkpoint.pending.map { stored in
            var order = try Order(clientOrderID: stored.clientOrderID, symbol: stored.symbol, side: stored.side, quantity: Quantity(stored.quantity),
                                  createdAt: stored.createdAt)
            try order.move(to: .accepted)
            for trade in stored.trades ?? [] { try order.fill(Quantity(trade.quantity), at: Price(trade.price)) }
            return order
        }
        for stored in checkpoint.pending where !(stored.trades ?? []).isEmpty { bookedTrades[stored.clientOrderID] = stored.trades }
        nextIndex = checkpoint.nextIndex
        startIndex = checkpoint.nextIndex
        lastCloseTime = checkpoint.lastCloseTime
        orderSequence = checkpoint.orderSequence
        decisions = checkpoint.decisions
        exposedBars = checkpoint.exposedBars
        fillCount = checkpoint.fills
        marks = checkpoint.marks
        try self.policy.restore(checkpoint: checkpoint.policy)
    }

    /// Bars in the replay.
    public var barCount: Int { forgottenBars + bars[symbols[0]]!.count }

    /// Bars of each symbol held in memory (fewer than `barCount` once old ones are forgotten).
    public var barsInMemory: Int { bars[symbols[0]]!.count }

    /// The open time of the last bar known.
    public var lastOpenTime: Timestamp { bars[symbols[0]]!.last!.openTime }

    /// Appends the next bar of every symbol (one open time for all, after the last one), so a live
    /// session goes on past the bars it started with; the next `step()` processes it.
    public mutating func append(_ next: [Symbol: Bar]) throws {
        guard Set(next.keys) == Set(symbols), let time = next[symbols[0]]?.openTime else {
            throw SessionError.invalidInput("a new bar is needed for every symbol of the session (\(symbols.map(\.rawValue).joined(separator: ", ")))")
        }
        guard next.values.allSatisfy({ $0.openTime == time }) else { throw SessionError.invalidInput("the new bars of the symbols open at different times") }
        guard time > lastOpenTime else {
            throw SessionError.invalidInput("the new bar at \(time.iso8601) does not follow the last one at \(lastOpenTime.iso8601)")
        }
        for symbol in symbols {
            try series[symbol]!.append(next[symbol]!)
            bars[symbol]!.append(next[symbol]!)
        }
        forgetOldBars()
    }

    /// Forgets the bars older than `historyRetention` before the next one, in chunks: moving every
    /// array at each bar would cost more than the memory it frees.
    private mutating func forgetOldBars() {
        guard let historyRetention else { return }
        let excess = nextIndex - forgottenBars - historyRetention
        guard excess >= max(64, historyRetention / 4) else { return }
        for symbol in symbols {
            bars[symbol]!.removeFirst(excess)
            series[symbol]!.removeFirst(excess)
        }
        forgottenBars += excess
    }

    /// Whether every bar has been processed.
    public var isFinished: Bool { nextIndex >= barCount }

    /// The state to store with the step that produced it.
    public var checkpoint: SessionCheckpoint {
        SessionCheckpoint(nextIndex: nextIndex, lastCloseTime: lastCloseTime, ledger: ledger.snapshot, gate: gate.snapshot,
                   pending: pending.map { PendingOrder(clientOrderID: $0.clientOrderID, symbol: $0.symbol, side: $0.side, quantity: $0.quantity.value,
                                                       createdAt: $0.createdAt, trades: bookedTrades[$0.clientOrderID]) },
                   orderSequence: orderSequence, decisions: decisions, exposedBars: exposedBars, fills: fillCount, marks: marks, policy: policy.checkpoint)
    }

    /// Where the session stands after `step`.
    public func progress(after step: SessionStep) -> SessionProgress {
        var progress = SessionProgress(step: step, openPositions: ledger.positions.count, fills: fillCount,
                                       peakEquity: gate.snapshot.peakEquity ?? step.equity, capital: ledger.capital, barCount: barCount, isFinished: isFinished)
        progress.ordersInFlight = ordersInFlight.count
        return progress
    }

    /// Halts trading by hand; with `flatten`, market orders that close every position are placed
    /// for the next bar (they pass no gate: they only remove risk).
    public mutating func halt(reason: String, flatten: Bool, at time: Timestamp) throws -> [Order] {
        gate.halt(reason: reason, at: time)
        guard flatten else { return [] }
        var orders: [Order] = []
        // Orders waiting for the simulator's next bar are dropped; orders in flight on a venue are not ours to forget.
        if !externalExecution { pending.removeAll() }
        for symbol in symbols {
            guard let position = ledger.positions[symbol], !position.quantity.isZero else { continue }
            orderSequence += 1
            var order = try Order(clientOrderID: "\(settings.orderPrefix)-\(orderSequence)", symbol: symbol, side: position.quantity.isPositive ? .sell : .buy,
                                  quantity: Quantity(position.quantity.absolute), createdAt: time)
            try order.move(to: .accepted)
            pending.append(order)
            orders.append(order)
        }
        return orders
    }

    /// Moves to REDUCING by hand (or on a security alert): only orders that shrink a position pass.
    public mutating func reduce(reason: String, at time: Timestamp) {
        gate.reduce(reason: reason, at: time)
    }

    /// Resumes trading by hand.
    public mutating func resume(at time: Timestamp) {
        gate.resume(at: time)
    }

    /// Hands the feedback loop's confidence thresholds to the policy; they apply from the next decision.
    public mutating func setConfidenceThresholds(_ thresholds: ConfidenceThresholds) {
        policy.setConfidenceThresholds(thresholds)
    }

    /// Hands the feedback loop's champions to the policy; they forecast from the next decision.
    public mutating func setChampions(_ champions: [ChampionModel]) {
        policy.setChampions(champions)
    }

    /// Alerts raised outside a step (halt and resume), to store.
    public mutating func takeAlerts() -> [RiskEngine.Alert] { gate.takeAlerts() }

    /// Processes the next bar.
    public mutating func step() throws -> SessionStep {
        guard !isFinished else { throw SessionError.invalidInput("the replay is over: all \(barCount) bars are processed") }
        let index = nextIndex
        let venue = settings.venue
        let first = symbols[0]
        let position = index - forgottenBars
        let openTime = bars[first]![position].openTime
        let closeTime = series[first]!.closeTime(ofBar: position)
        var changed: [Order] = []
        var fills: [BookedFill] = []
        var rejections: [String: Int] = [:]
        // 1. Fills at this bar: sells first so their cash pays for the buys (an external venue fills by its reports instead).
        for var order in externalExecution ? [] : pending.sorted(by: { $0.side == .sell && $1.side == .buy }) {
            let bar = bars[order.symbol]![position]
            var toFill = order
            if order.side == .buy, case .filled(let probe) = venue.offer(order, to: bar) {
                let costPerUnit = try probe.price.multiplied(by: FixedDecimal(1) + venue.commissionRate)
                let affordable = try ledger.cash.divided(by: costPerUnit, rounding: .towardZero)
                let lots = try affordable.divided(by: venue.lotSize, rounding: .towardZero).rounded(toFractionalDigits: 0, rounding: .towardZero)
                let quantity = try lots.multiplied(by: venue.lotSize)
                if quantity < order.quantity.value {
                    guard quantity.isPositive else {
                        try order.move(to: .cancelled)
                        rejections["insufficient_cash", default: 0] += 1
                        changed.append(order)
                        continue
                    }
                    toFill = try Order(clientOrderID: order.clientOrderID, symbol: order.symbol, side: .buy, type: order.type,
                                       quantity: Quantity(quantity), createdAt: order.createdAt)
                    try toFill.move(to: .accepted)
                }
            }
            switch venue.offer(toFill, to: bar) {
            case .filled(let fill):
                try ledger.bookFill(symbol: order.symbol, side: order.side, quantity: fill.quantity, price: fill.price, fee: fill.fee, at: bar.openTime)
                try order.fill(Quantity(fill.quantity), at: Price(fill.price))
                fills.append(BookedFill(fillID: "\(order.clientOrderID)-1", clientOrderID: order.clientOrderID, symbol: order.symbol, side: order.side,
                                  quantity: fill.quantity, price: fill.price, fee: fill.fee, time: bar.openTime))
                // A buy cut to the cash fills partly and the rest is cancelled.
                if order.status == .partiallyFilled { try order.move(to: .cancelled) }
            case .working:
                try order.move(to: .expired)
            case .rejected(let reason):
                try order.move(to: .cancelled)
                rejections["venue: \(reason)", default: 0] += 1
            }
            changed.append(order)
        }
        if !externalExecution { pending = [] }
        fillCount += fills.count
        // 2. Mark at the close.
        var prices: [Symbol: FixedDecimal] = [:]
        var gross = FixedDecimal.zero
        for symbol in symbols {
            let close = bars[symbol]![position].close.value
            prices[symbol] = close
            if let position = ledger.positions[symbol] { gross = gross + (try position.quantity.multiplied(by: close)).absolute }
        }
        marks = prices
        let marked = try ledger.equity(prices: prices)
        gate.markEquity(marked, at: closeTime)
        if !ledger.positions.isEmpty { exposedBars += 1 }
        nextIndex = index + 1
        lastCloseTime = closeTime
        // 3. Forecast at every close; decide every `decisionInterval` bars (not after the last bar of a replay: nothing could fill).
        let views = Dictionary(uniqueKeysWithValues: symbols.map { ($0, series[$0]!.asOf(closeTime)) })
        var forecasts: [Symbol: [Forecast]] = [:]
        var decided = false
        var policyAlerts: [RiskEngine.Alert] = []
        do {
            forecasts = try policy.forecasts(at: closeTime, bars: views)
            let due = index % settings.decisionInterval == 0 && (index < barCount - 1 || expectsMoreBars) && gate.state != .halted && ordersEnabled
            // A decision while the last one's orders are still in flight would order the same change twice.
            let inFlight = externalExecution && !pending.isEmpty
            if due && inFlight { rejections["orders_in_flight", default: 0] += 1 }
            if due, !inFlight, let targets = try policy.targetWeights(at: closeTime, bars: views) {
                decided = true
                decisions += 1
                try placeOrders(targets: targets, prices: prices, equity: marked, at: closeTime, changed: &changed, rejections: &rejections)
            }
        } catch let error as SessionError {
            throw error
        } catch {
            // A replay stops on it; a live session goes on to the next bar without this decision, and says why.
            guard expectsMoreBars else { throw SessionError.policyFailed(time: closeTime, reason: String(describing: error)) }
            rejections["policy_failed", default: 0] += 1
            policyAlerts.append(RiskEngine.Alert(level: .warning, rule: "policy_failed", message: "no decision at \(closeTime.iso8601): \(error)", time: closeTime))
        }
        return SessionStep(index: index, openTime: openTime, closeTime: closeTime, orders: changed, fills: fills,
                    ledgerEntries: takeEntries(), equity: marked, cash: ledger.cash, grossExposure: gross, marks: prices,
                    state: gate.state, alerts: gate.takeAlerts() + policyAlerts, rejections: rejections, forecasts: forecasts, decided: decided)
    }

    private mutating func takeEntries() -> [Ledger.Entry] {
        ledger.takeEntries()
    }

    /// Target weights → rebalancing orders → risk gate; approved orders wait for the next bar.
    private mutating func placeOrders(targets: [Symbol: Double], prices: [Symbol: FixedDecimal], equity: FixedDecimal, at time: Timestamp,
                                      changed: inout [Order], rejections: inout [String: Int]) throws {
        let positions = symbols.map { symbol in
            Rebalancer.Position(symbol: symbol.rawValue, quantity: Quantity(ledger.positions[symbol]?.quantity ?? .zero),
                                price: Price(prices[symbol]!), targetWeight: targets[symbol] ?? 0, lotSize: Quantity(lotSize(of: symbol)))
        }
        // On an external venue buys are paid from the cash there is now (sells in flight have not paid yet), with a margin
        // for the price moving before a market order fills.
        var cashLeft = ledger.cash
        let costFactor = FixedDecimal(1) + settings.venue.commissionRate + FixedDecimal("0.005")!
        let plan = try settings.rebalancer.plan(positions: positions, cash: ledger.cash)
        // Holdings as the approved orders will leave them: each order is checked after the ones before it.
        var held = Dictionary(uniqueKeysWithValues: symbols.map { symbol in
            (symbol, (quantity: ledger.positions[symbol]?.quantity ?? FixedDecimal.zero, price: prices[symbol]!))
        })
        for planned in plan.orders {
            let symbol = Symbol(planned.symbol)!
            var quantity = planned.quantity
            if externalExecution && planned.side == .buy {
                let unitCost = try planned.price.value.multiplied(by: costFactor)
                let lot = lotSize(of: symbol)
                let affordable = try (try cashLeft.divided(by: unitCost, rounding: .towardZero)).divided(by: lot, rounding: .towardZero)
                    .rounded(toFractionalDigits: 0, rounding: .towardZero).multiplied(by: lot)
                if affordable < quantity.value { quantity = Quantity(affordable) }
                guard quantity.value.isPositive else {
                    rejections["insufficient_cash", default: 0] += 1
                    continue
                }
                cashLeft = cashLeft - (try quantity.value.multiplied(by: unitCost))
            }
            orderSequence += 1
            var order = try Order(clientOrderID: "\(settings.orderPrefix)-\(orderSequence)", symbol: symbol, side: planned.side == .buy ? .buy : .sell,
                                  quantity: quantity, createdAt: time)
            let decision = gate.check(RiskEngine.ProposedOrder(symbol: symbol, side: order.side, quantity: quantity.value,
                                                               price: planned.price.value), equity: equity, positions: held, at: time)
            if decision.approved {
                try order.move(to: .accepted)
                pending.append(order)
                let signed = order.side == .buy ? quantity.value : -quantity.value
                held[symbol] = (quantity: (held[symbol]?.quantity ?? .zero) + signed, price: prices[symbol]!)
            } else {
                try order.move(to: .rejected)
                rejections[decision.rule ?? "risk", default: 0] += 1
            }
            changed.append(order)
        }
    }

    /// The quantity step of a symbol's orders: the external venue's (its market step when it sets one), else the simulator's lot.
    private func lotSize(of symbol: Symbol) -> FixedDecimal {
        guard let rules = instrumentRules[symbol] else { return settings.venue.lotSize }
        let step = rules.marketStepSize.flatMap { $0.isPositive ? $0 : nil } ?? rules.stepSize
        return step.isPositive ? step : settings.venue.lotSize
    }

    /// Applies an external venue's execution report to the order in flight it names: a trade is
    /// booked in the ledger once (by its trade id), its fee converted to the quote asset at the
    /// fill's price when charged in the base asset; a terminal report ends the order once every
    /// trade it counts is booked. A report for no order in flight, or a trade booked already,
    /// changes nothing and says why.
    public mutating func apply(_ report: ExecutionReport) throws -> SessionEvent {
        let id = report.clientOrderID
        guard let position = pending.firstIndex(where: { $0.clientOrderID == id }) else {
            return .ignored("no order \(id) is in flight")
        }
        var order = pending[position]
        var fills: [BookedFill] = []
        var alerts: [RiskEngine.Alert] = []
        switch report.kind {
        case .accepted:
            return .ignored("\(id) is in flight already")
        case .partialFill, .fill:
            guard let fill = report.fill else {
                return .ignored("a fill report of \(id) without its trade")
            }
            if bookedTrades[id]?.contains(where: { $0.tradeID == fill.tradeID }) == true {
                return .ignored("trade \(fill.tradeID) of \(id) is booked already")
            }
            guard fill.quantity.isPositive, fill.price.isPositive, order.filledQuantity.value + fill.quantity <= order.quantity.value else {
                let alert = RiskEngine.Alert(level: .critical, rule: "venue_overfill",
                                             message: "trade \(fill.tradeID) of \(id) (\(fill.quantity) @ \(fill.price)) would take the order past its quantity \(order.quantity); not booked",
                                             time: report.time)
                return .ignored(alert.message, alerts: [alert])
            }
            let rules = instrumentRules[order.symbol]
            // The fee in the quote asset: as charged, or the bought asset's at the fill's price; a third asset's is not valued.
            let feeValue = rules.flatMap { fill.feeInQuote(rules: $0, feeAssetPrice: nil) } ?? (rules == nil ? fill.fee : .zero)
            if let rules, fill.feeAsset == rules.baseAsset, fill.fee.isPositive, order.side == .buy {
                // Paid in kind out of the bought quantity: the position holds what the venue holds.
                try ledger.bookFill(symbol: order.symbol, side: .buy, quantity: fill.quantity, price: fill.price, fee: .zero, at: fill.time)
                try ledger.bookFeeInKind(symbol: order.symbol, quantity: fill.fee, price: fill.price, at: fill.time)
            } else {
                if let rules, fill.fee.isPositive, fill.feeAsset != rules.quoteAsset, fill.feeAsset != rules.baseAsset {
                    alerts.append(RiskEngine.Alert(level: .warning, rule: "fee_not_valued",
                                                   message: "trade \(fill.tradeID) of \(id) paid its fee of \(fill.fee) in \(fill.feeAsset), which the books do not hold; it is not valued",
                                                   time: fill.time))
                }
                try ledger.bookFill(symbol: order.symbol, side: order.side, quantity: fill.quantity, price: fill.price, fee: feeValue, at: fill.time)
            }
            try order.fill(Quantity(fill.quantity), at: Price(fill.price))
            bookedTrades[id, default: []].append(PendingTrade(tradeID: fill.tradeID, quantity: fill.quantity, price: fill.price))
            fills.append(BookedFill(fillID: "\(id)-\(fill.tradeID)", clientOrderID: id, symbol: order.symbol, side: order.side, quantity: fill.quantity,
                                    price: fill.price, fee: feeValue, time: fill.time))
            fillCount += 1
        case .cancelled, .expired, .rejected:
            terminalAfterTrades[id] = (report.kind.orderStatus!, report.cumulativeQuantity)
            if report.kind == .rejected {
                alerts.append(RiskEngine.Alert(level: .warning, rule: "venue_rejected", message: "\(id) rejected by the venue: \(report.reason ?? "no reason given")",
                                               time: report.time))
            }
        }
        // The order ends when it is filled, or when a terminal report's trades are all booked.
        if let terminal = terminalAfterTrades[id], order.filledQuantity.value >= terminal.filled, order.status != .filled {
            try order.move(to: order.status == .partiallyFilled && terminal.status == .rejected ? .cancelled : terminal.status)
        }
        if order.status.isTerminal {
            pending.remove(at: position)
            bookedTrades[id] = nil
            terminalAfterTrades[id] = nil
        } else {
            pending[position] = order
        }
        return SessionEvent(order: order, fills: fills, ledgerEntries: takeEntries(), alerts: alerts, ignoredBecause: nil)
    }

    /// Gets the policy ready for live bars: refits go to the background from now on, and models
    /// are fitted now (while no bar waits) if there are none to decide with.
    public mutating func prepareForLiveBars() throws {
        policy.setBackgroundRefits(true)
        guard let time = lastCloseTime else { return }
        let views = Dictionary(uniqueKeysWithValues: symbols.map { ($0, series[$0]!.asOf(time)) })
        try policy.prepare(at: time, bars: views)
    }

    /// The orders in flight on the external venue.
    public var ordersInFlight: [Order] { externalExecution ? pending : [] }
}
