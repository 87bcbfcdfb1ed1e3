import FeedbackLoop
import TradingCore

/// A scored forecast as stored: the outcome row linked to its forecast row.
public struct StoredOutcome: Sendable, Hashable {
    /// Where the realised close came from.
    public enum Source: String, Sendable, CaseIterable {
        /// The stored bars.
        case market
        /// A close observed elsewhere, posted through the API.
        case external
    }

    /// The forecast scored (one outcome per forecast).
    public let forecastId: Int64
    public let symbol: Symbol
    public let horizon: String
    /// The model version that made the forecast.
    public let model: String
    public let probabilityUp: Double
    /// The forecast's data time and target time.
    public let dataTime: Timestamp
    public let targetTime: Timestamp
    /// The close the outcome was measured at (decimal text) and its bar's close time (or the
    /// observation time of an external outcome).
    public let realisedClose: String
    public let realisedTime: Timestamp
    /// The scores and the verdict.
    public let outcome: ForecastOutcome
    /// The market conditions at the data time.
    public let signature: MarketSignature
    /// Where the realised close came from.
    public let source: Source
    /// When it was scored.
    public let scoredAt: Timestamp

    /// Creates a stored outcome.
    public init(forecastId: Int64, symbol: Symbol, horizon: String, model: String, probabilityUp: Double, dataTime: Timestamp, targetTime: Timestamp,
                realisedClose: String, realisedTime: Timestamp, outcome: ForecastOutcome, signature: MarketSignature, source: Source, scoredAt: Timestamp) {
        self.forecastId = forecastId
        self.symbol = symbol
        self.horizon = horizon
        self.model = model
        self.probabilityUp = probabilityUp
        self.dataTime = dataTime
        self.targetTime = targetTime
        self.realisedClose = realisedClose
        self.realisedTime = realisedTime
        self.outcome = outcome
        self.signature = signature
        self.source = source
        self.scoredAt = scoredAt
    }
}

/// A fill not scored yet, with what says how to score it: its account's fingerprint (timeframe
/// and decision interval).
public struct UnscoredFill: Sendable, Hashable {
    public let account: String
    public let fingerprint: String
    public let fill: BookedFill

    /// Creates one.
    public init(account: String, fingerprint: String, fill: BookedFill) {
        self.account = account
        self.fingerprint = fingerprint
        self.fill = fill
    }
}

/// A trading decision (a fill) scored over its horizon, as stored.
public struct StoredDecisionOutcome: Sendable, Hashable {
    public let fillID: String
    public let account: String
    public let symbol: Symbol
    /// Bars from the fill's bar to the exit bar.
    public let horizonBars: Int
    /// The exit close (decimal text) and its bar's close time.
    public let exitClose: String
    public let exitTime: Timestamp
    public let outcome: DecisionOutcome
    public let scoredAt: Timestamp

    /// Creates one.
    public init(fillID: String, account: String, symbol: Symbol, horizonBars: Int, exitClose: String, exitTime: Timestamp, outcome: DecisionOutcome,
                scoredAt: Timestamp) {
        self.fillID = fillID
        self.account = account
        self.symbol = symbol
        self.horizonBars = horizonBars
        self.exitClose = exitClose
        self.exitTime = exitTime
        self.outcome = outcome
        self.scoredAt = scoredAt
    }
}

/// The confidence threshold of one horizon as last tuned.
public struct StoredThreshold: Sendable, Hashable {
    /// The horizon label.
    public let horizon: String
    /// |P(up) − ½| a forecast needs before the engine acts on it.
    public let threshold: Double
    /// The tuner's objective at it when set (nil before any tuning could measure it).
    public let objective: Double?
    /// Decisions the objective was measured on.
    public let decisions: Int
    /// The newest target time among the outcomes it was tuned on: a replay may use the threshold
    /// only from that time on (before it, the threshold knows the future).
    public let tunedThrough: Timestamp?
    public let updatedAt: Timestamp

    /// Creates a threshold row.
    public init(horizon: String, threshold: Double, objective: Double?, decisions: Int, tunedThrough: Timestamp?, updatedAt: Timestamp) {
        self.horizon = horizon
        self.threshold = threshold
        self.objective = objective
        self.decisions = decisions
        self.tunedThrough = tunedThrough
        self.updatedAt = updatedAt
    }
}

/// A version of a forecasting model known to the loop.
public struct ModelVersionRecord: Sendable, Hashable {
    /// A version's place in its stream: the one that forecasts, one in shadow, or one that did.
    public enum Role: String, Sendable, CaseIterable {
        case champion = "CHAMPION"
        case challenger = "CHALLENGER"
        case retired = "RETIRED"
    }

    /// The version's name (a forecast's model version, or a challenger's name).
    public let name: String
    /// Its place in its stream.
    public let role: Role
    /// The settings and fit that reproduce it, as JSON text.
    public let parameters: String
    public let createdAt: Timestamp
    /// When it became champion (nil for one that never did).
    public let promotedAt: Timestamp?
    /// The fitted models as `Forecaster.FittedModels.Parameters` JSON, when known. Written with a
    /// record, never cleared by a later write without one; `modelVersions()` leaves it out (it is
    /// read by name with `modelFit(name:)`).
    public let fit: String?

    /// Creates a record.
    public init(name: String, role: Role, parameters: String, createdAt: Timestamp, promotedAt: Timestamp?, fit: String? = nil) {
        self.name = name
        self.role = role
        self.parameters = parameters
        self.createdAt = createdAt
        self.promotedAt = promotedAt
        self.fit = fit
    }
}

/// Everything one feedback step changes, written in one transaction.
public struct FeedbackCommit: Sendable {
    /// Outcomes to store; one for a forecast already scored is left out (never scored twice).
    public var outcomes: [StoredOutcome] = []
    /// Decision outcomes to store; one for a fill already scored is left out.
    public var decisions: [StoredDecisionOutcome] = []
    /// Forecasts that can never be scored (their data-time bar is not stored): flagged so the due
    /// query stops returning them.
    public var unscorableForecasts: [Int64] = []
    /// Fills that can never be scored (no decision horizon, an exit close that is not a number):
    /// flagged so the due query stops returning them. A fill whose entry bar is missing is not
    /// flagged: a backfill may still bring the bar.
    public var unscorableFills: [String] = []
    /// OPTIMIZATION and ADAPTATION signals (SUCCESS and FAILURE live in the outcomes).
    public var signals: [LearningSignal] = []
    /// Thresholds to set.
    public var thresholds: [StoredThreshold] = []
    /// Model versions to insert or update (by name).
    public var models: [ModelVersionRecord] = []
    /// Named state to set (detector states, counters), as text.
    public var state: [String: String] = [:]
    /// Whether this step counts as a learning cycle.
    public var countsAsCycle = false
    /// External outcomes now fed to their stream's drift detector (flagged so they are fed once).
    public var detectedOutcomes: [Int64] = []
    /// Predictive alerts raised by this step (inserted).
    public var raisedAlerts: [StoredPredictiveAlert] = []
    /// Open alerts whose condition held again at a newer forecast: their newest data time.
    public var alertSightings: [Int64: Timestamp] = [:]
    /// Open alerts whose condition no longer holds.
    public var closedAlerts: [Int64] = []
    /// Verdicts of alerts whose horizon has passed (an alert scored already keeps its verdict).
    public var alertOutcomes: [Int64: StoredPredictiveAlert.Outcome] = [:]
    /// Alerts that can never be scored (the bars of their horizon never came): left out of the due query from then on.
    public var unscorableAlerts: [Int64] = []

    /// An empty commit.
    public init() {}
}

/// What a reset of the learned state removed.
public struct LearnedStateReset: Sendable, Hashable, Codable {
    /// Rows removed per table.
    public let outcomes: Int
    public let decisions: Int
    public let signals: Int
    public let thresholds: Int
    public let models: Int
    public let state: Int

    /// Creates a summary.
    public init(outcomes: Int, decisions: Int, signals: Int, thresholds: Int, models: Int, state: Int) {
        self.outcomes = outcomes
        self.decisions = decisions
        self.signals = signals
        self.thresholds = thresholds
        self.models = models
        self.state = state
    }
}

/// Where the feedback loop keeps outcomes, signals, thresholds, model versions and its state.
public protocol FeedbackStore: Sendable {
    /// Stored forecasts without an outcome whose target time is ≤ `time`, oldest target first.
    func unscoredForecasts(targetBy time: Timestamp, limit: Int) async throws -> [ForecastRecord]
    /// One stored forecast.
    func forecast(id: Int64) async throws -> ForecastRecord?
    /// Writes the commit in one transaction; returns the ids of the forecasts whose outcome was
    /// stored by it (the others had one already).
    @discardableResult
    func commitFeedback(_ commit: FeedbackCommit, at time: Timestamp) async throws -> Set<Int64>
    /// Outcomes stored, by verdict (SUCCESS, FAILURE).
    func outcomeCounts() async throws -> [LearningSignal.Kind: Int]
    /// The newest scored outcomes, newest data time first.
    func outcomes(limit: Int) async throws -> [StoredOutcome]
    /// The newest `limit` scored outcomes of `symbol` with `verdict` (nil: every symbol, every
    /// verdict) handed to `body` a page at a time, newest data time first, or oldest first when
    /// `oldestFirst`: a reader of many outcomes holds one page, not all of them.
    func forEachOutcomePage(newest limit: Int, symbol: Symbol?, verdict: LearningSignal.Kind?, oldestFirst: Bool,
                            _ body: ([StoredOutcome]) async throws -> Void) async throws
    /// The fitted models stored with a model version (nil: none stored, or no such version).
    func modelFit(name: String) async throws -> String?
    /// Stored forecasts whose id is above `id` (every one when nil), in the order they were stored.
    func forecasts(idAfter id: Int64?, limit: Int) async throws -> [ForecastRecord]
    /// The predictive alerts whose condition held at their stream's newest forecast.
    func openPredictiveAlerts() async throws -> [StoredPredictiveAlert]
    /// Predictive alerts neither scored nor found unscorable whose horizon ended by `time`, oldest target first.
    func duePredictiveAlerts(targetBy time: Timestamp, limit: Int) async throws -> [StoredPredictiveAlert]
    /// The newest predictive alerts, newest raised first.
    func predictiveAlerts(limit: Int) async throws -> [StoredPredictiveAlert]
    /// Each alert kind's record.
    func predictiveAlertSummaries() async throws -> [PredictiveAlertSummary]
    /// Outcomes posted from outside (`source` external) not yet fed to the drift detectors, with
    /// their forecast's timeframe, oldest data time first.
    func undetectedOutcomes(limit: Int) async throws -> [(outcome: StoredOutcome, timeframe: String)]
    /// Fills of every account neither scored nor found unscorable, oldest first.
    func unscoredFills(limit: Int) async throws -> [UnscoredFill]
    /// The newest decision outcomes, newest exit first.
    func decisionOutcomes(limit: Int) async throws -> [StoredDecisionOutcome]
    /// OPTIMIZATION and ADAPTATION signals, newest first.
    func learningSignals(limit: Int) async throws -> [LearningSignal]
    /// The current thresholds by horizon.
    func thresholds() async throws -> [StoredThreshold]
    /// Model versions, newest first.
    func modelVersions() async throws -> [ModelVersionRecord]
    /// The loop's named state (detector states, `cycles`, `last_cycle_at`).
    func feedbackState() async throws -> [String: String]
    /// Removes everything learned (outcomes, decision outcomes, signals, thresholds, model versions, state) in one
    /// transaction; forecasts, orders, fills and the ledger are not touched.
    func resetLearnedState() async throws -> LearnedStateReset
    /// The learned state's revision: moved on by every `commitFeedback` and by a reset, never
    /// repeated (0 before the first).
    func feedbackRevision() async throws -> Int64
    /// The named summary document stored for `revision` (nil when none is).
    func feedbackSummary(_ name: String, revision: Int64) async throws -> String?
    /// Keeps a summary document computed at `revision`, unless the learned state has moved on since.
    func storeFeedbackSummary(_ name: String, document: String, revision: Int64) async throws
    /// The named summary document kept last, whatever its revision, with that revision (nil when none is).
    func latestFeedbackSummary(_ name: String) async throws -> (revision: Int64, document: String)?
}

extension FeedbackStore {
    /// The newest `limit` scored outcomes of every symbol and verdict, a page at a time
    /// (`forEachOutcomePage(newest:symbol:verdict:oldestFirst:_:)`).
    public func forEachOutcomePage(newest limit: Int, oldestFirst: Bool, _ body: ([StoredOutcome]) async throws -> Void) async throws {
        try await forEachOutcomePage(newest: limit, symbol: nil, verdict: nil, oldestFirst: oldestFirst, body)
    }

    /// The newest `limit` scored outcomes with `verdict` (nil: every verdict), newest data time
    /// first, read a page at a time.
    public func outcomes(verdict: LearningSignal.Kind?, limit: Int) async throws -> [StoredOutcome] {
        var outcomes: [StoredOutcome] = []
        try await forEachOutcomePage(newest: limit, symbol: nil, verdict: verdict, oldestFirst: false) { outcomes += $0 }
        return outcomes
    }
}
