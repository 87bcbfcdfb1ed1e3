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

    /// The state key of the newest forecast id the alert step has looked at.
    static let alertStateKey = "alerts:evaluated_through_id"
    /// The state key of each stream's newest forecast data time looked at.
    static let streamsStateKey = "alerts:streams"
    /// Calendar time per bar asked of the store when bars are fetched by count: equities' intraday
    /// bars come 6.5 a day on weekdays, about 5 times as long as their timeframe.
    static let calendarFactor: Int64 = 6

    /// Looks at every forecast stored since the last step (at most `batchSize`), each stream's in
    /// time order and only forward (a forecast no newer than one its stream already had — a second
    /// model version's forecast of the same bar, a replay behind a live run — is not a claim): each `PredictiveAlertRules` condition that holds at a forecast
    /// raises an alert for its kind and stream unless one is open, which is seen again; an open one
    /// whose condition no longer holds is closed, and so is one whose stream has made no forecast
    /// for two horizons. Then scores each unscored alert whose horizon has closed, with its event's
    /// base rate; one whose bars have not come ten horizons (at least a week) after its target is
    /// unscorable. One transaction; nothing reads a bar after the forecast's data time to raise —
    /// the opportunity's edge is the threshold known by then — nor after the horizon's end to score.
    public func predictiveAlerts(now: Timestamp) async throws -> AlertReport {
        let state = try await store.feedbackState()
        let through = state[Self.alertStateKey].flatMap(Int64.init)
        let forecasts = try await store.forecasts(idAfter: through, limit: batchSize)
        let thresholds = try await store.thresholds()
        // Each stream's newest data time looked at: a condition's state only moves forward in time.
        var newest = (state[Self.streamsStateKey].flatMap { try? JSONDecoder().decode([String: Int64].self, from: Data($0.utf8)) }) ?? [:]
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
            let start = group.map(\.dataTime).min()!.adding(milliseconds: -Self.calendarFactor * Int64(PredictiveAlertRules.scaleBars + 2) * first.timeframe.milliseconds)
            let series = try await closes(symbol: first.symbol, timeframe: first.timeframe, from: start, through: group.map(\.dataTime).max()!)
            for forecast in group.sorted(by: { ($0.dataTime, $0.id ?? 0) < ($1.dataTime, $1.id ?? 0) }) {
                let bars = Int(forecast.horizonMilliseconds / forecast.timeframe.milliseconds)
                // One claim per stream and bar (a second model version's forecast of a bar looked at is none), in time order.
                let streamKey = "\(forecast.symbol.rawValue) \(forecast.timeframe.rawValue) \(forecast.horizon)"
                guard bars >= 1, let index = series.index[forecast.dataTime.millisecondsSinceEpoch],
                      forecast.dataTime.millisecondsSinceEpoch > newest[streamKey] ?? Int64.min else { continue }
                newest[streamKey] = forecast.dataTime.millisecondsSinceEpoch
                // The horizon's tuned threshold, if it was tuned on outcomes known by the forecast's data time.
                let edge = thresholds.first { $0.horizon == forecast.horizon && ($0.tunedThrough.map { $0 <= forecast.dataTime } ?? false) }?.threshold ?? 0
                let conditions = PredictiveAlertRules.conditions(
                    closes: series.closes, at: index, bars: bars, expectedLogReturn: forecast.expectedLogReturn, volatility: forecast.volatility,
                    probabilityUp: forecast.probabilityUp, directionFromModel: forecast.directionModel == "logistic", edgeThreshold: edge)
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
        // A stream that stopped forecasting (a run stopped, a replay ended) does not keep its alerts open.
        for (_, stored) in open {
            guard let id = stored.id, !commit.alertSightings.keys.contains(id),
                  stored.lastSeen.adding(milliseconds: 2 * Int64(stored.horizonBars) * stored.timeframe.milliseconds * Self.calendarFactor) < now else { continue }
            commit.closedAlerts.append(id)
            closed.append(stored)
        }
        if let last = forecasts.compactMap(\.id).max() {
            commit.state[Self.alertStateKey] = String(last)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            commit.state[Self.streamsStateKey] = String(decoding: try encoder.encode(newest), as: UTF8.self)
        }
        (commit.alertOutcomes, commit.unscorableAlerts) = try await alertOutcomes(now: now)
        if !commit.raisedAlerts.isEmpty || !commit.alertSightings.isEmpty || !commit.closedAlerts.isEmpty || !commit.alertOutcomes.isEmpty
            || !commit.unscorableAlerts.isEmpty || !commit.state.isEmpty {
            try await store.commitFeedback(commit, at: now)
        }
        return AlertReport(examined: forecasts.count, raised: commit.raisedAlerts, closed: closed, scored: commit.alertOutcomes.count)
    }

    /// The verdicts of the unscored alerts whose horizon's bars have all closed by `now`, and the
    /// alerts whose bars have not come ten horizons (at least a week) after their target.
    func alertOutcomes(now: Timestamp) async throws -> (outcomes: [Int64: StoredPredictiveAlert.Outcome], unscorable: [Int64]) {
        let due = try await store.duePredictiveAlerts(targetBy: now, limit: batchSize)
        var outcomes: [Int64: StoredPredictiveAlert.Outcome] = [:], unscorable: [Int64] = []
        for (_, group) in Dictionary(grouping: due, by: { "\($0.symbol.rawValue)|\($0.timeframe.rawValue)" }) {
            let first = group[0]
            // The base rate's origins and their recent scales lie before the oldest alert.
            let history = Int64(PredictiveAlertRules.baseRateBars + PredictiveAlertRules.scaleBars + group.map(\.horizonBars).max()! + 2)
            let start = group.map(\.raisedAt).min()!.adding(milliseconds: -Self.calendarFactor * history * first.timeframe.milliseconds)
            // Up to the newest target: the bars after it are never read.
            let series = try await closes(symbol: first.symbol, timeframe: first.timeframe, from: start, through: min(now, group.map(\.targetTime).max()!.adding(
                milliseconds: Self.calendarFactor * Int64(group.map(\.horizonBars).max()!) * first.timeframe.milliseconds)))
            for alert in group {
                guard let id = alert.id else { continue }
                guard let index = series.index[alert.raisedAt.millisecondsSinceEpoch],
                      let hit = PredictiveAlertRules.happened(alert.kind, closes: series.closes, at: index, bars: alert.horizonBars, scale: alert.scale) else {
                    let patience = max(7 * 86_400_000, 10 * Int64(alert.horizonBars) * alert.timeframe.milliseconds)
                    if alert.targetTime.adding(milliseconds: patience) < now { unscorable.append(id) }
                    continue
                }
                let base = PredictiveAlertRules.baseRate(alert.kind, closes: series.closes, before: index, bars: alert.horizonBars)
                outcomes[id] = StoredPredictiveAlert.Outcome(hit: hit, realisedLogReturn: log(series.closes[index + alert.horizonBars] / series.closes[index]),
                                                             baseRate: base?.rate, baseRateOrigins: base?.origins ?? 0, scoredAt: now)
            }
        }
        return (outcomes, unscorable)
    }
}
