import FeedbackLoop
import TradingCore

/// A predictive alert as the loop keeps it: a claim about the `horizonBars` bars after the forecast
/// that raised it, stored once per condition (open while the condition holds at later forecasts of
/// its stream), and scored once those bars have closed.
public struct StoredPredictiveAlert: Sendable, Hashable {
    /// The row's id (nil before it is stored).
    public let id: Int64?
    public let kind: PredictiveAlertRules.Kind
    public let symbol: Symbol
    public let timeframe: Timeframe
    /// The forecast horizon the claim is about (`4h`) and its length in bars.
    public let horizon: String
    public let horizonBars: Int
    /// The data time of the forecast that raised it, and when its horizon ends.
    public let raisedAt: Timestamp
    public let targetTime: Timestamp
    /// The newest data time at which the condition still held.
    public var lastSeen: Timestamp
    /// Whether the condition held at the stream's newest forecast.
    public var isOpen: Bool
    /// The recent scale σ_b at the claim (`PredictiveAlertRules.scale`).
    public let scale: Double
    /// The forecast's numbers: expected log return, volatility and P(up) over the horizon.
    public let expectedLogReturn: Double
    public let volatility: Double
    public let probabilityUp: Double
    public let message: String
    /// The verdict once scored.
    public let outcome: Outcome?

    /// Whether the claimed event came, and how often it comes anyway.
    public struct Outcome: Sendable, Hashable {
        public let hit: Bool
        /// The horizon's log return after the claim.
        public let realisedLogReturn: Double
        /// The event's share among the origins before the claim (nil: none), and their number.
        public let baseRate: Double?
        public let baseRateOrigins: Int
        public let scoredAt: Timestamp

        /// Creates an outcome.
        public init(hit: Bool, realisedLogReturn: Double, baseRate: Double?, baseRateOrigins: Int, scoredAt: Timestamp) {
            self.hit = hit
            self.realisedLogReturn = realisedLogReturn
            self.baseRate = baseRate
            self.baseRateOrigins = baseRateOrigins
            self.scoredAt = scoredAt
        }
    }

    /// Creates an alert.
    public init(id: Int64?, kind: PredictiveAlertRules.Kind, symbol: Symbol, timeframe: Timeframe, horizon: String, horizonBars: Int, raisedAt: Timestamp,
                targetTime: Timestamp, lastSeen: Timestamp, isOpen: Bool, scale: Double, expectedLogReturn: Double, volatility: Double, probabilityUp: Double,
                message: String, outcome: Outcome?) {
        self.id = id
        self.kind = kind
        self.symbol = symbol
        self.timeframe = timeframe
        self.horizon = horizon
        self.horizonBars = horizonBars
        self.raisedAt = raisedAt
        self.targetTime = targetTime
        self.lastSeen = lastSeen
        self.isOpen = isOpen
        self.scale = scale
        self.expectedLogReturn = expectedLogReturn
        self.volatility = volatility
        self.probabilityUp = probabilityUp
        self.message = message
        self.outcome = outcome
    }

    /// The condition's identity: one open alert per kind and stream.
    public var stream: String { "\(kind.rawValue) \(symbol.rawValue) \(timeframe.rawValue) \(horizon)" }
}

/// Each alert kind's record: raised, scored, came true, and the mean base rate of its event.
public struct PredictiveAlertSummary: Sendable, Hashable {
    public let kind: PredictiveAlertRules.Kind
    public let raised: Int
    public let scored: Int
    public let hits: Int
    /// The mean, over the scored alerts, of their event's base rate (nil: none scored with one).
    public let meanBaseRate: Double?

    /// Creates a summary.
    public init(kind: PredictiveAlertRules.Kind, raised: Int, scored: Int, hits: Int, meanBaseRate: Double?) {
        self.kind = kind
        self.raised = raised
        self.scored = scored
        self.hits = hits
        self.meanBaseRate = meanBaseRate
    }
}
