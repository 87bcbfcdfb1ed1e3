import Foundation
import PortfolioOptimizer
import Prediction
import TradingCore

/// What decides target weights: called at a bar's close with only the bars closed by then.
public protocol AllocationPolicy: Sendable {
    /// Target weights of equity per symbol (the rest is cash), or nil to leave the portfolio as it is.
    mutating func targetWeights(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws -> [Symbol: Double]?
}

/// One event loop for simulated trading: time-ordered bar closes drive data → policy → target
/// weights → rebalancing orders → risk gate → venue → fills → ledger.
///
/// At each bar time t (bars of every symbol at the same times):
/// 1. orders accepted at the previous close meet this bar on the venue (sells first, then buys;
///    a buy that would cost more than the cash is cut to the whole lots the cash pays for);
/// 2. the ledger is marked at the close and the risk gate sees the equity (REDUCING / HALTED);
/// 3. every `decisionInterval` bars the policy gets `asOf(t)` views — no later bar is reachable —
///    and its target weights become orders through the drift rebalancer; each order passes the
///    risk gate or is rejected with the rule's name.
/// Backtests drive it with the bars' own times; paper trading will drive the same loop from a feed.
public struct TradingLoop: Sendable {
    public var venue: SimulatedVenue
    public var limits: RiskLimits
    public var rebalancer: Rebalancer
    public var decisionInterval: Int
    public var cash: FixedDecimal

    /// Creates a loop.
    public init(cash: FixedDecimal, venue: SimulatedVenue = SimulatedVenue(), limits: RiskLimits = RiskLimits(),
                rebalancer: Rebalancer = Rebalancer(), decisionInterval: Int = 1) {
        self.cash = cash
        self.venue = venue
        self.limits = limits
        self.rebalancer = rebalancer
        self.decisionInterval = decisionInterval
    }

    /// The run's outcome.
    public struct Result: Sendable {
        public let ledger: Ledger
        public let orders: [Order]
        /// Equity at every bar close (analytics).
        public let equityCurve: [Double]
        public let times: [Timestamp]
        /// Rejected orders by rule.
        public let rejections: [String: Int]
        public let alerts: [RiskEngine.Alert]
        public let finalState: TradingState
        public let decisions: Int
        public let finalEquity: FixedDecimal
        /// Bars that closed with at least one position open.
        public let exposedBars: Int
    }

    /// Why a run cannot start.
    public enum LoopError: Error, Sendable, CustomStringConvertible {
        case invalidInput(String)
        case policyFailed(time: Timestamp, reason: String)

        public var description: String {
            switch self {
            case .invalidInput(let detail): "invalid input: \(detail)"
            case .policyFailed(let time, let reason): "the allocation policy failed at \(time.iso8601): \(reason)"
            }
        }
    }

    /// Replays `bars` (same times for every symbol) through the loop.
    public func run<Policy: AllocationPolicy>(_ bars: [Symbol: [Bar]], timeframe: Timeframe, policy: Policy) throws -> Result {
        var policy = policy
        let symbols = bars.keys.sorted { $0.rawValue < $1.rawValue }
        guard let first = symbols.first, let count = bars[first]?.count, count > 1 else { throw LoopError.invalidInput("no bars") }
        for symbol in symbols where bars[symbol]!.map(\.openTime) != bars[first]!.map(\.openTime) {
            throw LoopError.invalidInput("\(symbol.rawValue) does not have bars at the same times as \(first.rawValue); align the files first")
        }
        guard decisionInterval >= 1 else { throw LoopError.invalidInput("the decision interval must be at least one bar") }
        guard !venue.fillMarketAtClose else { throw LoopError.invalidInput("the loop fills orders at the next bar's open; fill-at-close is for single-bar tests") }
        if let problem = venue.validateCosts() { throw LoopError.invalidInput(problem) }
        let series = try Dictionary(uniqueKeysWithValues: symbols.map { ($0, try BarSeries(bars: bars[$0]!, timeframe: timeframe)) })
        var ledger = Ledger(cash: cash, at: bars[first]![0].openTime)
        var gate = RiskEngine(limits: limits)
        var pending: [Order] = []
        var done: [Order] = []
        var rejections: [String: Int] = [:]
        var equity: [Double] = []
        var times: [Timestamp] = []
        var decisions = 0
        var sequence = 0
        var exposedBars = 0
        for index in 0..<count {
            let closeTime = series[first]!.closeTime(ofBar: index)
            // 1. Fills at this bar: sells first so their cash pays for the buys.
            for var order in pending.sorted(by: { $0.side == .sell && $1.side == .buy }) {
                let bar = bars[order.symbol]![index]
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
                            done.append(order)
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
                    // A buy cut to the cash fills partly and the rest is cancelled.
                    if order.status == .partiallyFilled { try order.move(to: .cancelled) }
                case .working:
                    try order.move(to: .expired)
                case .rejected(let reason):
                    try order.move(to: .cancelled)
                    rejections["venue: \(reason)", default: 0] += 1
                }
                done.append(order)
            }
            pending = []
            // 2. Mark at the close.
            var prices: [Symbol: FixedDecimal] = [:]
            for symbol in symbols { prices[symbol] = bars[symbol]![index].close.value }
            let marked = try ledger.equity(prices: prices)
            gate.markEquity(marked, at: closeTime)
            equity.append(marked.doubleValue)
            times.append(closeTime)
            if !ledger.positions.isEmpty { exposedBars += 1 }
            // 3. Decide.
            guard index % decisionInterval == 0, index < count - 1, gate.state != .halted else { continue }
            let views = Dictionary(uniqueKeysWithValues: symbols.map { ($0, series[$0]!.asOf(closeTime)) })
            let targets: [Symbol: Double]?
            do {
                targets = try policy.targetWeights(at: closeTime, bars: views)
            } catch {
                throw LoopError.policyFailed(time: closeTime, reason: String(describing: error))
            }
            guard let targets else { continue }
            decisions += 1
            let positions = symbols.map { symbol in
                Rebalancer.Position(symbol: symbol.rawValue, quantity: Quantity(ledger.positions[symbol]?.quantity ?? .zero),
                                    price: Price(prices[symbol]!), targetWeight: targets[symbol] ?? 0, lotSize: Quantity(venue.lotSize))
            }
            let plan = try rebalancer.plan(positions: positions, cash: ledger.cash)
            // Holdings as the approved orders will leave them: each order is checked after the ones before it.
            var held = Dictionary(uniqueKeysWithValues: symbols.map { symbol in
                (symbol, (quantity: ledger.positions[symbol]?.quantity ?? FixedDecimal.zero, price: prices[symbol]!))
            })
            for planned in plan.orders {
                sequence += 1
                let symbol = Symbol(planned.symbol)!
                var order = try Order(clientOrderID: "bt-\(sequence)", symbol: symbol, side: planned.side == .buy ? .buy : .sell,
                                      quantity: planned.quantity, createdAt: closeTime)
                let decision = gate.check(RiskEngine.ProposedOrder(symbol: symbol, side: order.side, quantity: planned.quantity.value,
                                                                   price: planned.price.value), equity: marked, positions: held, at: closeTime)
                if decision.approved {
                    try order.move(to: .accepted)
                    pending.append(order)
                    let signed = order.side == .buy ? planned.quantity.value : -planned.quantity.value
                    held[symbol] = (quantity: (held[symbol]?.quantity ?? .zero) + signed, price: prices[symbol]!)
                } else {
                    try order.move(to: .rejected)
                    rejections[decision.rule ?? "risk", default: 0] += 1
                    done.append(order)
                }
            }
        }
        let finalPrices = Dictionary(uniqueKeysWithValues: symbols.map { ($0, bars[$0]![count - 1].close.value) })
        return Result(ledger: ledger, orders: done + pending, equityCurve: equity, times: times, rejections: rejections, alerts: gate.alerts,
                      finalState: gate.state, decisions: decisions, finalEquity: try ledger.equity(prices: finalPrices), exposedBars: exposedBars)
    }
}
