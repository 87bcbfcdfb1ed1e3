import Foundation
import PortfolioOptimizer
import Prediction
import TradingCore

/// What decides target weights: called at a bar's close with only the bars closed by then.
public protocol AllocationPolicy: Sendable {
    /// Target weights of equity per symbol (the rest is cash), or nil to leave the portfolio as it is.
    mutating func targetWeights(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws -> [Symbol: Double]?
    /// Forecasts at a bar close from the bars closed by then (a running session stores them).
    mutating func forecasts(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws -> [Symbol: [Forecast]]
    /// What the policy must remember to decide after a restart as it would have without one (JSON text).
    var checkpoint: String { get }
    /// Restores what `checkpoint` saved.
    mutating func restore(checkpoint: String) throws
    /// The settings that change decisions, in words (a stored account refuses a run with others).
    var settingsDescription: String { get }
    /// Takes the feedback loop's confidence thresholds for the policy's horizon (a policy without
    /// them ignores them). Not a setting: they change while a run goes on, and the checkpoint keeps them.
    mutating func setConfidenceThresholds(_ thresholds: ConfidenceThresholds)
    /// Takes the feedback loop's champions: each forecasts its stream (symbol and horizon) from the
    /// next decision on in place of the policy's own fit; a stream left out goes back to the own fit.
    /// Not a setting (a promotion changes them while a run goes on) nor in the checkpoint: the
    /// registry is their record, and a restarted run reads it again before its first step.
    mutating func setChampions(_ champions: [ChampionModel])
    /// Live trading: refits run in the background and the models in hand decide meanwhile, so a
    /// refit never delays a decision (a replay keeps refits inline, so it stays reproducible).
    mutating func setBackgroundRefits(_ enabled: Bool)
    /// Gets ready to decide at `time` without delay (fits the models a live decision would need).
    mutating func prepare(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws
}

extension AllocationPolicy {
    /// A policy without models refits nothing.
    public mutating func setBackgroundRefits(_ enabled: Bool) {}
    /// Nothing to prepare.
    public mutating func prepare(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws {}
    /// No forecasts.
    public mutating func forecasts(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws -> [Symbol: [Forecast]] { [:] }
    /// A policy without memory: an empty object.
    public var checkpoint: String { "{}" }
    /// Nothing to restore.
    public mutating func restore(checkpoint: String) throws {}
    /// The policy's type name.
    public var settingsDescription: String { String(describing: Self.self) }
    /// No thresholds to take.
    public mutating func setConfidenceThresholds(_ thresholds: ConfidenceThresholds) {}
    /// No models to replace.
    public mutating func setChampions(_ champions: [ChampionModel]) {}
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

    /// Replays `bars` (same times for every symbol) through the loop: a `TradingSession` stepped to the end.
    public func run<Policy: AllocationPolicy>(_ bars: [Symbol: [Bar]], timeframe: Timeframe, policy: Policy) throws -> Result {
        var session = try TradingSession(bars: bars, timeframe: timeframe,
                                         settings: TradingSettings(cash: cash, venue: venue, limits: limits, rebalancer: rebalancer, decisionInterval: decisionInterval),
                                         policy: policy)
        var orders: [String: Order] = [:]
        var orderIDs: [String] = []
        var rejections: [String: Int] = [:]
        var alerts: [RiskEngine.Alert] = []
        var equity: [Double] = []
        var times: [Timestamp] = []
        while !session.isFinished {
            let step = try session.step()
            for order in step.orders {
                if orders.updateValue(order, forKey: order.clientOrderID) == nil { orderIDs.append(order.clientOrderID) }
            }
            rejections.merge(step.rejections, uniquingKeysWith: +)
            alerts += step.alerts
            equity.append(step.equity.doubleValue)
            times.append(step.closeTime)
        }
        return Result(ledger: session.ledger, orders: orderIDs.map { orders[$0]! }, equityCurve: equity, times: times, rejections: rejections,
                      alerts: alerts, finalState: session.gate.state, decisions: session.decisions,
                      finalEquity: try session.ledger.equity(prices: session.marks), exposedBars: session.exposedBars)
    }
}
