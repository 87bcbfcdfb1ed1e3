import FeedbackLoop
import Foundation
import HTTPServer
import Logging
import Prediction
import SecuritySupervisor
import Storage
import TradingCore
import TradingEngine

/// The feedback loop's champions of a run's streams, as the trading policy forecasts with them:
/// read from the model registry at each batch start, each version's stored fit decoded once and
/// carried to the bar time through the stored bars. A champion whose fit is missing, does not
/// decode or comes from another forecaster is left out — its stream goes on with the policy's own
/// fit — with an ERROR alert (`model:<name>`, source feedback) for the latter two.
actor ChampionModelSource {
    let store: SQLStore
    let account: String
    let symbols: Set<Symbol>
    let timeframe: Timeframe
    let clock: any TradingClock
    let metrics: TradingMetrics?
    let logger: Logger
    let announce: @Sendable (String) -> Void
    /// Whether a new version is loaded in the background (a live run): the batch start that sees
    /// it does not wait for the stored bars since its fit to be read, and the stream's previous
    /// champion forecasts until it is ready. A replay loads inline, so it stays reproducible.
    let background: Bool
    /// Versions read so far by name; nil for one that cannot forecast (said once).
    private var loaded: [String: ChampionModel?] = [:]
    /// Versions being loaded in the background.
    private var loading: Set<String> = []
    /// The champion handed for each stream at the last read.
    private var handedByStream: [String: ChampionModel] = [:]
    /// The version leading each stream at the last read (nil before the first).
    private var leading: [String: String]?

    init(store: SQLStore, account: String, symbols: Set<Symbol>, timeframe: Timeframe, clock: any TradingClock, metrics: TradingMetrics?,
         logger: Logger, background: Bool = false, announce: @escaping @Sendable (String) -> Void) {
        self.store = store
        self.background = background
        self.account = account
        self.symbols = symbols
        self.timeframe = timeframe
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        self.announce = announce
    }

    /// The champions of the run's streams with their models carried to `time`; nil when the
    /// registry cannot be read (the policy keeps the ones in hand).
    func champions(at time: Timestamp) async -> [ChampionModel]? {
        let versions: [ModelVersionRecord]
        do {
            versions = try await store.modelVersions()
        } catch {
            logger.warning("the model registry could not be read; the champions in hand go on", metadata: ["reason": .string(String(describing: error))])
            return nil
        }
        var handed: [ChampionModel] = []
        var leaders: [String: String] = [:]
        var streamsHanded: [String: ChampionModel] = [:]
        for record in versions where record.role == .champion {
            guard let specification = FeedbackCycle.ModelSpecification(json: record.parameters), specification.timeframe == timeframe.rawValue,
                  let symbol = Symbol(specification.symbol), symbols.contains(symbol), let horizon = Horizon(parsing: specification.horizon) else { continue }
            if !loaded.keys.contains(record.name) && !background {
                remember(record.name, await load(record.name, specification: specification, symbol: symbol, horizon: horizon, at: time))
            }
            if !loaded.keys.contains(record.name) {
                if loading.insert(record.name).inserted {
                    Task { await self.loadInBackground(record.name, specification: specification, symbol: symbol, horizon: horizon, at: time) }
                }
                // Meanwhile the stream's previous champion goes on.
                if let previous = handedByStream[specification.stream] {
                    handed.append(previous)
                    leaders[specification.stream] = previous.name
                    streamsHanded[specification.stream] = previous
                }
                continue
            }
            guard let champion = loaded[record.name] ?? nil else { continue }
            handed.append(champion)
            leaders[specification.stream] = record.name
            streamsHanded[specification.stream] = champion
        }
        handedByStream = streamsHanded
        // A version that no longer leads is forgotten: if it leads again (a rollback) it is read afresh,
        // carried to that time, instead of a copy carried only to its first read.
        let leading = Set(versions.filter { $0.role == .champion }.map(\.name))
        loaded = loaded.filter { leading.contains($0.key) }
        // Until every leading version has been read once, a start has not seen who leads: no change to report yet.
        if self.leading == nil && !loading.isEmpty { return handed }
        await report(leaders)
        return handed
    }

    /// Loads a version off the batch start; a later read hands it.
    private func loadInBackground(_ name: String, specification: FeedbackCycle.ModelSpecification, symbol: Symbol, horizon: Horizon, at time: Timestamp) async {
        remember(name, await load(name, specification: specification, symbol: symbol, horizon: horizon, at: time))
        loading.remove(name)
    }

    /// Keeps what a read gave, except a store failure, which the next read tries again.
    private func remember(_ name: String, _ result: Load) {
        switch result {
        case .ready(let champion): loaded[name] = champion
        case .unusable: loaded[name] = .some(nil)
        case .retry: break
        }
    }

    /// Says which version leads each stream: logged and counted at every change; a change seen
    /// while running is also an ADAPTATION signal (the first read after a start is not: the
    /// promotion itself was one).
    private func report(_ leaders: [String: String]) async {
        let previous = leading
        leading = leaders
        var changes: [(stream: String, from: String?, to: String?)] = []
        for stream in Set(leaders.keys).union(previous.map { Set($0.keys) } ?? []).sorted() where leaders[stream] != previous?[stream] {
            changes.append((stream, previous?[stream], leaders[stream]))
        }
        guard !changes.isEmpty else { return }
        var commit = FeedbackCommit()
        let now = clock.now()
        for change in changes {
            metrics?.recordChampion(stream: change.stream, version: change.to, previous: change.from)
            let line = change.to.map { "'\(account)' forecasts \(change.stream) with the champion \($0)" }
                ?? "'\(account)' forecasts \(change.stream) with its own fit again (no usable champion)"
            announce(line)
            logger.info("champion in use", metadata: ["stream": .string(change.stream), "model_version": .string(change.to ?? "own fit"),
                                                      "previous": .string(change.from ?? "own fit")])
            guard previous != nil else { continue }
            commit.signals.append(LearningSignal(kind: .adaptation, subject: "account \(account)", rule: "the trading policy forecasts each stream with its champion",
                                                 message: line + " (was \(change.from ?? "its own fit"))", evidence: [:], time: now))
        }
        guard !commit.signals.isEmpty else { return }
        do {
            try await store.commitFeedback(commit, at: now)
        } catch {
            logger.warning("the adaptation signal could not be stored", metadata: ["reason": .string(String(describing: error))])
        }
    }

    /// What reading a version gave: its models, a version that cannot forecast (kept as such), or
    /// a store that could not be read (tried again at the next read).
    private enum Load {
        case ready(ChampionModel)
        case unusable
        case retry
    }

    /// One version's models from its stored fit, carried through the stored bars to `time`.
    private func load(_ name: String, specification: FeedbackCycle.ModelSpecification, symbol: Symbol, horizon: Horizon,
                      at time: Timestamp) async -> Load {
        let fit: String
        do {
            guard let stored = try await store.modelFit(name: name) else {
                // A version registered before fits were kept: its stream keeps the policy's own fit.
                logger.info("no fitted models stored with the champion; its stream keeps the policy's own fit", metadata: ["model_version": .string(name)])
                return .unusable
            }
            fit = stored
        } catch {
            logger.warning("a champion's fit could not be read; tried again at the next batch", metadata: ["model_version": .string(name), "reason": .string(String(describing: error))])
            return .retry
        }
        let parameters: Forecaster.FittedModels.Parameters
        do {
            parameters = try JSONDecoder().decode(Forecaster.FittedModels.Parameters.self, from: Data(fit.utf8))
        } catch {
            await unusable(name, reason: "its stored fit does not decode (\(error))")
            return .unusable
        }
        var models: Forecaster.FittedModels
        do {
            models = try Forecaster.FittedModels(parameters: parameters)
        } catch {
            await unusable(name, reason: "\(error)")
            return .unusable
        }
        guard parameters.horizons.contains(where: { $0.horizon == horizon }) else {
            await unusable(name, reason: "its stored fit has no \(horizon.label) models")
            return .unusable
        }
        // Carried through the bars closed since the fit, read once here, not at every forecast.
        if time > models.fittedAt {
            do {
                let start = Timestamp(millisecondsSinceEpoch: models.fittedAt.millisecondsSinceEpoch - 2 * timeframe.milliseconds)
                // A bar is closed by `time` when it opened by `time` − one bar (the store's end bound is exclusive).
                let openedBy = Timestamp(millisecondsSinceEpoch: time.millisecondsSinceEpoch - timeframe.milliseconds + 1)
                if let loaded = try await store.analyticSeries(symbol: symbol, timeframe: timeframe, start: start, end: openedBy) {
                    models = try models.advanced(through: loaded.series.asOf(time))
                }
            } catch {
                logger.warning("a champion's variances could not be carried to the bar time; tried again at the next batch",
                               metadata: ["model_version": .string(name), "reason": .string(String(describing: error))])
                return .retry
            }
        }
        return .ready(ChampionModel(symbol: symbol, horizon: horizon, name: name, knownAt: specification.leadsFrom, models: models))
    }

    /// A champion that cannot forecast: an ERROR alert, and its stream goes on with the policy's own fit.
    private func unusable(_ name: String, reason: String) async {
        logger.error("a champion cannot forecast; its stream goes on with a fresh fit", metadata: ["model_version": .string(name), "reason": .string(reason)])
        let observation = AlertObservation(fingerprint: "model:\(name)", level: .error, source: .feedback, title: "Champion \(name) cannot forecast",
                                           message: "\(reason); '\(account)' forecasts its stream with a fresh fit of the forecaster until another champion leads it")
        do {
            _ = try await store.reconcileAlerts([observation], sources: [], at: clock.now())
        } catch {
            logger.warning("the alert could not be stored", metadata: ["reason": .string(String(describing: error))])
        }
    }
}
