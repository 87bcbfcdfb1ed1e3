import FeedbackLoop
import Foundation
import Prediction
import TradingCore

/// One turn of the feedback loop over the store: score every forecast whose horizon has elapsed,
/// feed each (symbol, horizon) stream's log scores to its Page-Hinkley detector, and re-tune the
/// confidence thresholds on demand.
///
/// A forecast made at the close of bar i for h bars ahead (h = horizon ÷ bar length) is scored at
/// the close of bar i + h, the same label the model was trained on, so gaps (weekends) do not
/// shift it. Each cycle is one transaction: outcomes, detector states and the cycle count are
/// written together, and an outcome already stored is never replaced, so a crash or a second
/// process scoring the same forecast loses nothing and scores nothing twice.
public struct FeedbackCycle: Sendable {
    /// The store.
    public let store: any FeedbackStore & MarketDataStore
    /// Forecasts scored per cycle at most.
    public var batchSize = 20_000
    /// The settings of every stream's drift detector (its state lives in the store).
    public var detector = PageHinkley(minimumInstances: 30, delta: 0.005, threshold: 50, mode: .up)

    /// Creates a cycle over the store.
    public init(store: any FeedbackStore & MarketDataStore) {
        self.store = store
    }

    /// A drift one stream's detector signalled.
    public struct Drift: Sendable, Hashable, Codable {
        /// The stream: symbol, timeframe and horizon.
        public let symbol: String
        public let timeframe: String
        public let horizon: String
        /// The data time of the outcome at which it fired.
        public let at: Timestamp
        /// When that outcome's realised close was known: the earliest a reaction may use.
        public let detectedAt: Timestamp
        /// The mean log score of the stream's last 50 outcomes at that point.
        public let recentLogScore: Double
        /// The forecasting feature whose distribution moved most since the champion's fit (PSI of
        /// the newest 720 bars' features against the 720 up to the fit), when the bars allow it.
        public var mostShiftedFeature: String?
        public var mostShiftedFeaturePSI: Double?
    }

    /// What a scoring cycle did.
    public struct ScoringReport: Sendable, Codable {
        /// Forecasts looked at, scored, not yet due (their target bar is not stored yet) and
        /// unscorable (their data-time bar is not stored).
        public let examined: Int
        public let scored: Int
        public let waiting: Int
        public let unscorable: Int
        /// SUCCESS and FAILURE among the scored.
        public let successes: Int
        public let failures: Int
        /// Drifts signalled.
        public let drifts: [Drift]
    }

    /// The state key of a stream's detector.
    static func detectorKey(symbol: String, timeframe: String, horizon: String) -> String { "drift:\(symbol):\(timeframe):\(horizon)" }

    /// Scores the due forecasts as of `now`.
    public func score(now: Timestamp) async throws -> ScoringReport {
        let due = try await store.unscoredForecasts(targetBy: now, limit: batchSize)
        let groups = Dictionary(grouping: due) { "\($0.symbol.rawValue)|\($0.timeframe.rawValue)" }
        var outcomes: [StoredOutcome] = [], waiting = 0, unscorable: [Int64] = []
        for key in groups.keys.sorted() {
            let forecasts = groups[key]!
            let first = forecasts[0]
            let series = try await closes(symbol: first.symbol, timeframe: first.timeframe,
                                          from: forecasts.map(\.dataTime).min()!, through: now)
            for forecast in forecasts {
                guard let origin = series.index[forecast.dataTime.millisecondsSinceEpoch] else { unscorable.append(forecast.id!); continue }
                let steps = max(1, Int(forecast.horizonMilliseconds / forecast.timeframe.milliseconds))
                let target = origin + steps
                guard target < series.closes.count,
                      let realised = ForecastOutcome.logReturn(from: forecast.referenceClose, to: series.closeTexts[target]) else { waiting += 1; continue }
                        outcomes.append(StoredOutcome(
                    forecastId: forecast.id!, symbol: forecast.symbol, horizon: forecast.horizon, model: forecast.modelVersion,
                    probabilityUp: forecast.probabilityUp, dataTime: forecast.dataTime, targetTime: forecast.targetTime,
                    realisedClose: series.closeTexts[target], realisedTime: series.closeTimes[target],
                    outcome: ForecastOutcome(claim: forecast.claim, realisedLogReturn: realised),
                    signature: MarketSignature(closes: series.closes[...origin]), source: .market, scoredAt: now))
            }
        }
        var commit = FeedbackCommit()
        commit.outcomes = outcomes
        commit.unscorableForecasts = unscorable
        var timeframes = Dictionary(due.map { ($0.id!, $0.timeframe.rawValue) }, uniquingKeysWith: { a, _ in a })
        // Outcomes posted through the API since the last turn go through their streams' detectors
        // like the market's, in data-time order with this turn's, under the loop's leadership (the
        // route runs anywhere and cannot feed a detector without racing the loop).
        let external = try await store.undetectedOutcomes(limit: batchSize)
        for (outcome, timeframe) in external { timeframes[outcome.forecastId] = timeframe }
        commit.detectedOutcomes = external.map(\.outcome.forecastId)
        let fed = outcomes + external.map(\.outcome)
        var drifts = try await detect(fed, timeframes: timeframes, into: &commit)
        try await describeFeatureShift(&drifts, outcomes: fed)
        commit.countsAsCycle = !fed.isEmpty
        try await registerModels(outcomes: fed, drifts: drifts, timeframes: timeframes, now: now, into: &commit)
        let stored = fed.isEmpty && commit.state.isEmpty && unscorable.isEmpty ? [] : try await store.commitFeedback(commit, at: now)
        let kept = outcomes.filter { stored.contains($0.forecastId) }
        return ScoringReport(examined: due.count, scored: kept.count, waiting: waiting, unscorable: unscorable.count,
                             successes: kept.filter { $0.outcome.verdict == .success }.count,
                             failures: kept.filter { $0.outcome.verdict == .failure }.count, drifts: drifts)
    }

    /// Names, for the newest drift of each stream in the cycle, the feature that moved most since
    /// the stream's champion was fitted (or since its first scored forecast, before a champion is
    /// registered). Each series is loaded once per cycle.
    func describeFeatureShift(_ drifts: inout [Drift], outcomes: [StoredOutcome]) async throws {
        guard !drifts.isEmpty else { return }
        let champions = try await store.modelVersions().filter { $0.role == .champion }.compactMap { ModelSpecification(json: $0.parameters) }
        var newest: [String: Int] = [:]
        for (index, drift) in drifts.enumerated() {
            let stream = "\(drift.symbol) \(drift.timeframe) \(drift.horizon)"
            if newest[stream].map({ drifts[$0].detectedAt < drift.detectedAt }) ?? true { newest[stream] = index }
        }
        var loaded: [String: BarSeries] = [:]
        for (stream, index) in newest.sorted(by: { $0.key < $1.key }) {
            let drift = drifts[index]
            guard let symbol = Symbol(drift.symbol), let timeframe = Timeframe(rawValue: drift.timeframe) else { continue }
            let seriesKey = "\(drift.symbol)|\(drift.timeframe)"
            if loaded[seriesKey] == nil {
                let through = drifts.filter { $0.symbol == drift.symbol && $0.timeframe == drift.timeframe }.map(\.detectedAt).max() ?? drift.detectedAt
                loaded[seriesKey] = try? await barSeries(symbol: symbol, timeframe: timeframe, through: through)
            }
            guard let series = loaded[seriesKey],
                  let fit = champions.first(where: { $0.stream == stream })?.fittedAt
                    ?? outcomes.filter({ $0.symbol == symbol && $0.horizon == drift.horizon }).map(\.dataTime).min(),
                  let fitIndex = (0..<series.count).last(where: { series.closeTime(ofBar: $0) <= fit }),
                  let recentIndex = (0..<series.count).last(where: { series.closeTime(ofBar: $0) <= drift.detectedAt }) else { continue }
            let shifted = FeatureDrift.stability(series: series, referenceEnd: fitIndex, recentEnd: recentIndex).first
            drifts[index].mostShiftedFeature = shifted?.feature
            drifts[index].mostShiftedFeaturePSI = shifted?.psi
        }
    }

    /// Feeds each stream's log scores in data-time order to its detector; the detectors' states go into the commit.
    func detect(_ outcomes: [StoredOutcome], timeframes: [Int64: String], into commit: inout FeedbackCommit) async throws -> [Drift] {
        guard !outcomes.isEmpty else { return [] }
        let state = try await store.feedbackState()
        let streams = Dictionary(grouping: outcomes) { Self.detectorKey(symbol: $0.symbol.rawValue, timeframe: timeframes[$0.forecastId] ?? "", horizon: $0.horizon) }
        var drifts: [Drift] = []
        let decoder = JSONDecoder(), encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for key in streams.keys.sorted() {
            var detector = state[key].flatMap { try? decoder.decode(PageHinkley.self, from: Data($0.utf8)) } ?? self.detector
            let ordered = streams[key]!.sorted { ($0.dataTime, $0.forecastId) < ($1.dataTime, $1.forecastId) }
            for (position, outcome) in ordered.enumerated() where detector.update(outcome.outcome.logScore) {
                let recent = ordered[max(0, position - 49)...position].map(\.outcome.logScore)
                drifts.append(Drift(symbol: outcome.symbol.rawValue, timeframe: timeframes[outcome.forecastId] ?? "", horizon: outcome.horizon,
                                    at: outcome.dataTime, detectedAt: outcome.realisedTime, recentLogScore: recent.reduce(0, +) / Double(recent.count)))
            }
            commit.state[key] = String(decoding: try encoder.encode(detector), as: UTF8.self)
        }
        return drifts
    }

    /// A stored series' closes (decimal text and as numbers) with an index by close time, from
    /// `MarketSignature.longBars + 1` bars before `start` through the bars closed by `end`.
    struct Closes {
        var closes: [Double] = []
        var closeTexts: [String] = []
        var closeTimes: [Timestamp] = []
        var index: [Int64: Int] = [:]
    }

    func closes(symbol: Symbol, timeframe: Timeframe, from start: Timestamp, through end: Timestamp) async throws -> Closes {
        var result = Closes()
        let lookback = Int64(MarketSignature.longBars + 2) * timeframe.milliseconds
        // Calendar gaps (weekends) make a bar count longer than its duration: ask for twice as long.
        var cursor: Timestamp? = start.adding(milliseconds: -2 * lookback)
        while let next = cursor {
            let page = try await store.bars(BarQuery(symbol: symbol, timeframe: timeframe, start: next, end: end, limit: 10_000))
            for bar in page.bars {
                let closeTime = bar.openTime.adding(milliseconds: timeframe.milliseconds)
                guard closeTime <= end, let value = Double(bar.close) else { continue }
                result.index[closeTime.millisecondsSinceEpoch] = result.closes.count
                result.closes.append(value)
                result.closeTexts.append(bar.close)
                result.closeTimes.append(closeTime)
            }
            cursor = page.nextStart
        }
        return result
    }
}
