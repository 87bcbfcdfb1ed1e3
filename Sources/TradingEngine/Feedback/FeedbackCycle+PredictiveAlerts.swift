import FeedbackLoop
import Foundation
import TradingCore

extension FeedbackCycle {
    /// What a predictive-alert step did.
    public struct AlertReport: Sendable {
        /// Forecasts looked at since the last step.
        public let examined: Int
        /// Alerts raised, and alerts whose condition ended (both as they now stand).
        public let raised: [StoredPredictiveAlert]
        public let closed: [StoredPredictiveAlert]
        /// Alerts scored now.
        public let scored: Int
    }

    /// The state key of the newest forecast data time the alert step has looked at.
    static let alertStateKey = "alerts:evaluated_through"

    /// Looks at every forecast stored since the last step, oldest first (at most `batchSize`): each
    /// `PredictiveAlertRules` condition that holds at a forecast raises an alert for its kind and
    /// stream unless one is open, which is seen again; an open one whose condition no longer holds
    /// is closed. Then scores each unscored alert whose horizon has closed, with its event's base
    /// rate. One transaction; nothing reads a bar after the forecast's data time to raise, nor
    /// after the horizon's end to score.
    public func predictiveAlerts(now: Timestamp) async throws -> AlertReport {
        let state = try await store.feedbackState()
        let through = state[Self.alertStateKey].flatMap(Int64.init).map { Timestamp(millisecondsSinceEpoch: $0) }
        var forecasts = try await store.forecasts(dataTimeAfter: through, limit: batchSize)
        // A full batch may end part-way through a data time: leave that time to the next step, whole.
        if forecasts.count == batchSize, let last = forecasts.last?.dataTime, forecasts.first?.dataTime != last {
            forecasts.removeAll { $0.dataTime == last }
        }
        let edges = Dictionary(try await store.thresholds().map { ($0.horizon, $0.threshold) }, uniquingKeysWith: { first, _ in first })
        var open: [String: StoredPredictiveAlert] = [:]
        for alert in try await store.openPredictiveAlerts() { open[alert.stream] = alert }
        var pending: [String: StoredPredictiveAlert] = [:]
        var commit = FeedbackCommit()
        var closed: [StoredPredictiveAlert] = []
        let groups = Dictionary(grouping: forecasts) { "\($0.symbol.rawValue)|\($0.timeframe.rawValue)" }
        for key in groups.keys.sorted() {
            let group = groups[key]!
            let first = group[0]
            // Enough bars before the oldest forecast for the recent scale.
            let start = group.map(\.dataTime).min()!.adding(milliseconds: -2 * Int64(PredictiveAlertRules.scaleBars + 2) * first.timeframe.milliseconds)
            let series = try await closes(symbol: first.symbol, timeframe: first.timeframe, from: start, through: group.map(\.dataTime).max()!)
            for forecast in group.sorted(by: { ($0.dataTime, $0.id ?? 0) < ($1.dataTime, $1.id ?? 0) }) {
                let bars = Int(forecast.horizonMilliseconds / forecast.timeframe.milliseconds)
                guard bars >= 1, let index = series.index[forecast.dataTime.millisecondsSinceEpoch] else { continue }
                let conditions = PredictiveAlertRules.conditions(
                    closes: series.closes, at: index, bars: bars, expectedLogReturn: forecast.expectedLogReturn, volatility: forecast.volatility,
                    probabilityUp: forecast.probabilityUp, directionFromModel: forecast.directionModel == "logistic", edgeThreshold: edges[forecast.horizon] ?? 0)
                for kind in PredictiveAlertRules.Kind.allCases {
                    let stream = "\(kind.rawValue) \(forecast.symbol.rawValue) \(forecast.timeframe.rawValue) \(forecast.horizon)"
                    if let condition = conditions.first(where: { $0.kind == kind }) {
                        if let stored = open[stream], let id = stored.id {
                            commit.alertSightings[id] = forecast.dataTime
                        } else if pending[stream]?.isOpen == true {
                            pending[stream]!.lastSeen = forecast.dataTime
                        } else {
                            let alert = StoredPredictiveAlert(
                                id: nil, kind: kind, symbol: forecast.symbol, timeframe: forecast.timeframe, horizon: forecast.horizon, horizonBars: bars,
                                raisedAt: forecast.dataTime, targetTime: forecast.targetTime, lastSeen: forecast.dataTime, isOpen: true, scale: condition.scale,
                                expectedLogReturn: forecast.expectedLogReturn, volatility: forecast.volatility, probabilityUp: forecast.probabilityUp,
                                message: condition.message, outcome: nil)
                            // A condition that ended earlier in this step is kept, closed, and a new one begins.
                            if let ended = pending[stream] { commit.raisedAlerts.append(ended) }
                            pending[stream] = alert
                        }
                    } else if let stored = open.removeValue(forKey: stream), let id = stored.id {
                        commit.closedAlerts.append(id)
                        closed.append(stored)
                    } else if pending[stream]?.isOpen == true {
                        pending[stream]!.isOpen = false
                    }
                }
            }
        }
        let raised = pending.keys.sorted().map { pending[$0]! }
        commit.raisedAlerts += raised
        if let newest = forecasts.last?.dataTime { commit.state[Self.alertStateKey] = String(newest.millisecondsSinceEpoch) }
        commit.alertOutcomes = try await alertOutcomes(now: now)
        if !commit.raisedAlerts.isEmpty || !commit.alertSightings.isEmpty || !commit.closedAlerts.isEmpty || !commit.alertOutcomes.isEmpty || !commit.state.isEmpty {
            try await store.commitFeedback(commit, at: now)
        }
        return AlertReport(examined: forecasts.count, raised: commit.raisedAlerts, closed: closed, scored: commit.alertOutcomes.count)
    }

    /// The verdicts of the unscored alerts whose horizon's bars have all closed by `now`.
    func alertOutcomes(now: Timestamp) async throws -> [Int64: StoredPredictiveAlert.Outcome] {
        let due = try await store.duePredictiveAlerts(targetBy: now, limit: batchSize)
        var outcomes: [Int64: StoredPredictiveAlert.Outcome] = [:]
        for (_, group) in Dictionary(grouping: due, by: { "\($0.symbol.rawValue)|\($0.timeframe.rawValue)" }) {
            let first = group[0]
            // The base rate's origins and their recent scales lie before the oldest alert.
            let history = Int64(PredictiveAlertRules.baseRateBars + PredictiveAlertRules.scaleBars + group.map(\.horizonBars).max()! + 2)
            let start = group.map(\.raisedAt).min()!.adding(milliseconds: -2 * history * first.timeframe.milliseconds)
            let series = try await closes(symbol: first.symbol, timeframe: first.timeframe, from: start, through: now)
            for alert in group {
                guard let id = alert.id, let index = series.index[alert.raisedAt.millisecondsSinceEpoch],
                      let hit = PredictiveAlertRules.happened(alert.kind, closes: series.closes, at: index, bars: alert.horizonBars, scale: alert.scale) else { continue }
                let base = PredictiveAlertRules.baseRate(alert.kind, closes: series.closes, before: index, bars: alert.horizonBars)
                outcomes[id] = StoredPredictiveAlert.Outcome(hit: hit, realisedLogReturn: log(series.closes[index + alert.horizonBars] / series.closes[index]),
                                                             baseRate: base?.rate, baseRateOrigins: base?.origins ?? 0, scoredAt: now)
            }
        }
        return outcomes
    }
}
