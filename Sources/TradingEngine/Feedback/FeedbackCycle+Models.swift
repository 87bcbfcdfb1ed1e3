import FeedbackLoop
import Foundation
import Prediction
import TradingCore

extension FeedbackCycle {
    /// A model version's parameters as the registry stores them: everything that reproduces the
    /// fit (the forecaster is deterministic and point-in-time: refitting on the bars closed by
    /// `fitted_at` gives the same coefficients), and the verdict of its trial once judged.
    public struct ModelSpecification: Codable, Sendable, Hashable {
        /// The forecasting code and settings (`Forecaster.modelVersion`).
        public let forecaster: String
        public let symbol: String
        public let timeframe: String
        public let horizon: String
        /// The data the fit saw: bars closed by this time.
        public let fittedAt: Timestamp
        /// The trial's verdict, for a challenger that was judged.
        public var verdict: String?
        /// For a promoted challenger, the close time of the newest bar its trial read: the data
        /// time from which it is known to lead (a stream's first champion is known from `fittedAt`).
        public var knownAt: Timestamp?

        enum CodingKeys: String, CodingKey {
            case forecaster, symbol, timeframe, horizon, fittedAt = "fitted_at", verdict, knownAt = "known_at"
        }

        /// The data time from which the version leads its stream when it is champion.
        public var leadsFrom: Timestamp { knownAt ?? fittedAt }

        /// The stream the model serves.
        public var stream: String { "\(symbol) \(timeframe) \(horizon)" }
        /// The version's name.
        public var name: String { "\(stream) fitted \(fittedAt.iso8601)" }

        /// The JSON text stored in the registry.
        public var json: String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
        }

        /// The specification stored in a registry row.
        public init?(json: String) {
            guard let decoded = try? JSONDecoder().decode(ModelSpecification.self, from: Data(json.utf8)) else { return nil }
            self = decoded
        }

        /// Creates a specification.
        public init(symbol: String, timeframe: String, horizon: String, fittedAt: Timestamp) {
            forecaster = Forecaster.modelVersion
            self.symbol = symbol
            self.timeframe = timeframe
            self.horizon = horizon
            self.fittedAt = fittedAt
        }
    }

    /// Registers a CHAMPION for each stream seen for the first time (the forecaster as fitted at
    /// the stream's first scored forecast) and a CHALLENGER for each drifting stream that has none
    /// in trial (fitted on the bars closed when the drift was known).
    func registerModels(outcomes: [StoredOutcome], drifts: [Drift], timeframes: [Int64: String], now: Timestamp, into commit: inout FeedbackCommit) async throws {
        guard !outcomes.isEmpty else { return }
        let registered = try await store.modelVersions().compactMap { model in ModelSpecification(json: model.parameters).map { (model.role, $0) } }
        var champions = Set(registered.filter { $0.0 == .champion }.map(\.1.stream))
        var challengers = Set(registered.filter { $0.0 == .challenger }.map(\.1.stream))
        // Each series is loaded once, through the newest data time of its outcomes (a fit reads only
        // the bars closed by its own time).
        var loaded: [String: BarSeries] = [:]
        var newest: [String: Timestamp] = [:]
        for outcome in outcomes {
            let key = "\(outcome.symbol.rawValue)|\(timeframes[outcome.forecastId] ?? "")"
            newest[key] = max(newest[key] ?? outcome.dataTime, outcome.dataTime)
        }
        for outcome in outcomes.sorted(by: { $0.dataTime < $1.dataTime }) {
            let specification = ModelSpecification(symbol: outcome.symbol.rawValue, timeframe: timeframes[outcome.forecastId] ?? "", horizon: outcome.horizon,
                                                    fittedAt: outcome.dataTime)
            guard champions.insert(specification.stream).inserted else { continue }
            // The champion's models themselves, fitted once here on the bars closed by its fit time.
            var fit: String?
            if let timeframe = Timeframe(rawValue: specification.timeframe), let horizon = Horizon(parsing: specification.horizon) {
                let key = "\(specification.symbol)|\(specification.timeframe)"
                if loaded[key] == nil {
                    loaded[key] = try? await barSeries(symbol: outcome.symbol, timeframe: timeframe, through: newest[key] ?? specification.fittedAt)
                }
                fit = loaded[key].flatMap { Self.fit(specification, series: $0, horizon: horizon) }
            }
            commit.models.append(ModelVersionRecord(name: specification.name, role: .champion, parameters: specification.json, createdAt: now, promotedAt: now,
                                                    fit: fit))
        }
        for drift in drifts {
            let specification = ModelSpecification(symbol: drift.symbol, timeframe: drift.timeframe, horizon: drift.horizon, fittedAt: drift.detectedAt)
            guard challengers.insert(specification.stream).inserted else { continue }
            commit.models.append(ModelVersionRecord(name: specification.name, role: .challenger, parameters: specification.json, createdAt: now, promotedAt: nil))
        }
    }

    /// Registers a CHALLENGER for `stream` fitted on the bars closed by `fittedAt` (a scheduled
    /// retraining), unless the stream has no champion or already has a challenger in trial; returns
    /// its name, or nil when none was registered.
    public func registerChallenger(stream: String, fittedAt: Timestamp, now: Timestamp) async throws -> String? {
        let models = try await store.modelVersions().compactMap { model in ModelSpecification(json: model.parameters).map { (model.role, $0) } }
        guard let champion = models.first(where: { $0.0 == .champion && $0.1.stream == stream })?.1,
              !models.contains(where: { $0.0 == .challenger && $0.1.stream == stream }), fittedAt > champion.fittedAt else { return nil }
        let specification = ModelSpecification(symbol: champion.symbol, timeframe: champion.timeframe, horizon: champion.horizon, fittedAt: fittedAt)
        var commit = FeedbackCommit()
        commit.models = [ModelVersionRecord(name: specification.name, role: .challenger, parameters: specification.json, createdAt: now, promotedAt: nil)]
        try await store.commitFeedback(commit, at: now)
        return specification.name
    }

    /// A challenger's judgement.
    public struct TrialResult: Sendable, Codable {
        /// The challenger and the champion it was measured against.
        public let challenger: String
        public let champion: String
        /// The rule's verdict.
        public let verdict: PromotionRule.Verdict
    }

    /// Judges every challenger whose shadow period has passed: a promotion makes it CHAMPION (the
    /// old champion is RETIRED, kept for a rollback) with an ADAPTATION signal; a rejection
    /// RETIRES it with the verdict in its parameters. One transaction.
    /// `streams` limits the trials to those streams (nil: every stream). A stream's challengers are
    /// judged one at a time, the oldest first: a second one (registered by a drift and a schedule at
    /// the same moment) waits for the next call, against whichever champion then leads.
    public func judgeChallengers(now: Timestamp, shadowPairs: Int = 480, streams: Set<String>? = nil) async throws -> [TrialResult] {
        let models = try await store.modelVersions().compactMap { model in ModelSpecification(json: model.parameters).map { (record: model, specification: $0) } }
        var commit = FeedbackCommit()
        var results: [TrialResult] = []
        var judged: Set<String> = []
        for challenger in models.filter({ $0.record.role == .challenger }).sorted(by: { $0.specification.fittedAt < $1.specification.fittedAt }) {
            let specification = challenger.specification
            guard streams?.contains(specification.stream) ?? true, !judged.contains(specification.stream),
                  let champion = models.first(where: { $0.record.role == .champion && $0.specification.stream == specification.stream }),
                  let symbol = Symbol(specification.symbol), let timeframe = Timeframe(rawValue: specification.timeframe),
                  let horizon = Horizon(parsing: specification.horizon) else { continue }
            judged.insert(specification.stream)
            let series = try await barSeries(symbol: symbol, timeframe: timeframe, through: now)
            // The champion's stored models spare a refit; a fit that does not decode is refitted (the same models).
            let stored = try await store.modelFit(name: champion.record.name)
                .flatMap { try? JSONDecoder().decode(Forecaster.FittedModels.Parameters.self, from: Data($0.utf8)) }
                .flatMap { try? Forecaster.FittedModels(parameters: $0) }
            guard let verdict = try ChallengerTrial(horizon: horizon, shadowPairs: shadowPairs)
                .evaluate(series: series, championFit: champion.specification.fittedAt, challengerFit: specification.fittedAt, champion: stored) else { continue }
            results.append(TrialResult(challenger: challenger.record.name, champion: champion.record.name, verdict: verdict))
            var judged = specification
            judged.verdict = verdict.reason
            if verdict.promote {
                judged.knownAt = try ChallengerTrial(horizon: horizon, shadowPairs: shadowPairs).evidenceEnd(series: series, challengerFit: specification.fittedAt)
            }
            if verdict.promote {
                commit.models.append(ModelVersionRecord(name: challenger.record.name, role: .champion, parameters: judged.json,
                                                        createdAt: challenger.record.createdAt, promotedAt: now,
                                                        fit: Self.fit(specification, series: series, horizon: horizon)))
                commit.models.append(ModelVersionRecord(name: champion.record.name, role: .retired, parameters: champion.record.parameters,
                                                        createdAt: champion.record.createdAt, promotedAt: nil))
                commit.signals.append(LearningSignal(
                    kind: .adaptation, subject: "model \(challenger.record.name)",
                    rule: PromotionRule().statement(shadowPairs: shadowPairs),
                    message: "\(challenger.record.name) replaces \(champion.record.name): \(verdict.reason)", evidence: verdict.evidence, time: now))
            } else {
                commit.models.append(ModelVersionRecord(name: challenger.record.name, role: .retired, parameters: judged.json,
                                                        createdAt: challenger.record.createdAt, promotedAt: nil))
            }
        }
        if !results.isEmpty { try await store.commitFeedback(commit, at: now) }
        return results
    }

    /// A version's fitted models as stored JSON: the forecaster fitted on the series' bars closed by
    /// the version's fit time (never a later one); nil when they cannot be fitted or kept.
    static func fit(_ specification: ModelSpecification, series: BarSeries, horizon: Horizon) -> String? {
        guard let models = try? Forecaster().fit(series, at: specification.fittedAt, horizons: [horizon]), let parameters = models.parameters else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(parameters)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The stored bars of a series closed by `end`, in analytic form.
    func barSeries(symbol: Symbol, timeframe: Timeframe, through end: Timestamp) async throws -> BarSeries {
        // A bar is closed by `end` when it opened by `end` − one bar.
        let openedBy = Timestamp(millisecondsSinceEpoch: end.millisecondsSinceEpoch - timeframe.milliseconds + 1)
        guard let loaded = try await store.analyticSeries(symbol: symbol, timeframe: timeframe, start: nil, end: openedBy) else {
            throw PredictionError.insufficientData(needed: 1, available: 0, purpose: "a challenger trial of \(symbol) \(timeframe.rawValue)")
        }
        return loaded.series
    }
}

extension FeedbackCycle {
    /// Why a rollback cannot be done.
    public enum RollbackError: Error, Sendable, Equatable, CustomStringConvertible {
        /// No champion serves the stream.
        case noChampion(stream: String)
        /// The stream has no earlier champion to return to.
        case noPreviousChampion(stream: String)

        public var description: String {
            switch self {
            case .noChampion(let stream): "no champion serves \(stream) (streams are named `SYMBOL TIMEFRAME HORIZON`, as in the status' models)"
            case .noPreviousChampion(let stream): "\(stream) has had no champion before the current one"
            }
        }
    }

    /// Puts the stream's previous champion back (the newest RETIRED version that once led) and
    /// retires the current one, with an ADAPTATION signal naming both; one transaction.
    public func rollback(stream: String, now: Timestamp) async throws -> (restored: String, retired: String) {
        let models = try await store.modelVersions().compactMap { model in ModelSpecification(json: model.parameters).map { (record: model, specification: $0) } }
            .filter { $0.specification.stream == stream }
        guard let current = models.first(where: { $0.record.role == .champion }) else { throw RollbackError.noChampion(stream: stream) }
        guard let previous = models.filter({ $0.record.role == .retired && $0.record.promotedAt != nil && $0.record.name != current.record.name })
            .max(by: { $0.record.promotedAt! < $1.record.promotedAt! }) else { throw RollbackError.noPreviousChampion(stream: stream) }
        var commit = FeedbackCommit()
        // Known to lead again from the rollback on: a replay of the past keeps the versions that led then.
        var restored = previous.specification
        restored.knownAt = now
        commit.models = [
            ModelVersionRecord(name: previous.record.name, role: .champion, parameters: restored.json, createdAt: previous.record.createdAt, promotedAt: now),
            ModelVersionRecord(name: current.record.name, role: .retired, parameters: current.record.parameters, createdAt: current.record.createdAt, promotedAt: nil),
        ]
        commit.signals = [LearningSignal(kind: .adaptation, subject: "model \(previous.record.name)", rule: "rollback requested by an operator",
                                         message: "\(previous.record.name) leads \(stream) again; \(current.record.name) is retired", evidence: [:], time: now)]
        try await store.commitFeedback(commit, at: now)
        return (previous.record.name, current.record.name)
    }
}
