import Foundation
import Logging
import PortfolioOptimizer
import HTTPServer
import Prediction
import ServiceLifecycle
import Storage
import TradingCore
import TradingEngine

/// What a worker does with one kind of job: turns its payload into a result (JSON text) or throws.
public struct JobHandler: Sendable {
    public let kind: String
    public let run: @Sendable (JobRecord) async throws -> String

    /// Creates a handler.
    public init(kind: String, run: @escaping @Sendable (JobRecord) async throws -> String) {
        self.kind = kind
        self.run = run
    }
}

/// A worker: claims due jobs of the kinds it handles, runs up to `concurrency` at once, keeps
/// their leases alive while they run, and records success or failure (retried with exponential
/// backoff and jitter, dead after the last attempt). A job whose worker dies is taken by another
/// worker once its lease runs out, so a job is never lost; its effects must be idempotent, since a
/// worker that dies after the work but before recording it means the work is done again.
public struct JobWorker: Service {
    public let store: any JobQueue
    public let name: String
    public let concurrency: Int
    public let handlers: [String: JobHandler]
    public var lease: Duration = .seconds(30)
    public var idlePoll: Duration = .milliseconds(100)
    /// Where each run is counted for the job kinds' system signatures (nil: not kept).
    public var observations: SystemObservations?
    let logger: Logger
    let clock: any TradingClock

    /// Creates a worker.
    public init(store: any JobQueue, name: String, concurrency: Int, handlers: [JobHandler], clock: any TradingClock, logger: Logger) {
        self.store = store
        self.name = name
        self.concurrency = max(concurrency, 1)
        self.handlers = Dictionary(uniqueKeysWithValues: handlers.map { ($0.kind, $0) })
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let worked: Int
            do {
                worked = try await runOnce()
            } catch {
                // A database that fails for a moment must not stop the process (in `run`, the API and
                // the trading loop share it): a claim that failed claimed nothing, and a batch whose
                // completion failed is run again by whoever claims it after its lease.
                logger.error("job worker pass failed; retrying", metadata: ["reason": .string(String(describing: error))])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
                continue
            }
            if worked == 0 { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: idlePoll) } }
        }
    }

    /// Claims and runs one batch; returns how many jobs it ran. The batch's successes are recorded
    /// together in one transaction when its last job ends (one commit instead of one per job);
    /// every job's lease is renewed until its outcome is recorded, so a finished job waiting for
    /// its siblings is never taken over.
    @discardableResult
    public func runOnce() async throws -> Int {
        let jobs = try await store.claimJobs(worker: name, kinds: Set(handlers.keys), limit: concurrency, lease: clock.span(ofWall: lease), at: clock.now())
        guard !jobs.isEmpty else { return 0 }
        let renewals = jobs.map(renewLease)
        defer { renewals.forEach { $0.cancel() } }
        let succeeded = await withTaskGroup(of: (Int64, String)?.self) { group in
            for job in jobs { group.addTask { await execute(job).map { (job.id, $0) } } }
            var results: [(Int64, String)] = []
            for await result in group { if let result { results.append(result) } }
            return results
        }
        // A job (a model fit, a backtest) is the worker's largest allocation: its memory goes back at once.
        defer { MemoryTrim.releaseFreeHeap() }
        guard !succeeded.isEmpty else { return jobs.count }
        let recorded = try await store.completeJobs(succeeded.map { JobCompletion(jobID: $0.0, result: $0.1) }, worker: name, at: clock.now())
        for (id, _) in succeeded where !recorded.contains(id) {
            logger.warning("job finished after its lease was lost; another worker runs it", metadata: ["job_id": .stringConvertible(id)])
        }
        // Which process ran which job: with several workers (containers, machines) the log is where
        // an operator finds it (the job's row forgets its lease owner once it ends).
        for job in jobs where recorded.contains(job.id) {
            logger.info("job succeeded", metadata: ["job_id": .stringConvertible(job.id), "kind": .string(job.kind),
                                                    "attempt": .stringConvertible(job.attempts), "worker": .string(name)])
        }
        return jobs.count
    }

    /// Renews the job's lease at a third of its length until cancelled or lost; a renewal that
    /// fails (the database, for a moment) is tried again at the next third, not given up.
    private func renewLease(_ job: JobRecord) -> Task<Void, any Error> {
        Task {
            while !Task.isCancelled {
                try await Task.sleep(for: lease / 3)
                let until = clock.instant(clock.now(), plusWall: lease)
                do {
                    guard try await store.renewLease(jobID: job.id, worker: name, until: until) else { return }
                } catch {
                    logger.warning("lease renewal failed; retrying", metadata: ["job_id": .stringConvertible(job.id), "reason": .string(String(describing: error))])
                }
            }
        }
    }

    /// Runs one job: its result, or nil after recording the failure (retry or dead letter).
    private func execute(_ job: JobRecord) async -> String? {
        guard let handler = handlers[job.kind] else { return nil }
        let start = ContinuousClock.now
        do {
            let result = try await handler.run(job)
            observations?.record(.job, subject: job.kind, duration: ContinuousClock.now - start, failed: false)
            return result
        } catch {
            observations?.record(.job, subject: job.kind, duration: ContinuousClock.now - start, failed: true)
            var generator = SystemRandomNumberGenerator()
            let delay = JobBackoff.delay(afterAttempts: job.attempts, random: &generator)
            let retryAt = clock.instant(clock.now(), plusWall: delay)
            let outcome = try? await store.failJob(jobID: job.id, worker: name, error: String(describing: error), retryAt: retryAt, at: clock.now())
            logger.warning("job failed", metadata: ["job_id": .stringConvertible(job.id), "kind": .string(job.kind),
                                                    "attempt": .stringConvertible(job.attempts), "status": .string(outcome?.status.rawValue ?? "lease lost")])
            return nil
        }
    }
}

/// The job kinds this build knows.
public enum JobKinds {
    /// A job that does nothing (throughput tests).
    public static let noop = JobHandler(kind: "noop") { _ in "{}" }

    /// Why a job's payload cannot run.
    public struct PayloadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A job's payload, or the error that sends the job to retry and dead letter.
    static func decode<Payload: Decodable>(_ type: Payload.Type, of job: JobRecord, shape: String) throws -> Payload {
        do {
            return try JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8))
        } catch {
            throw PayloadError(description: "the payload is not \(shape): \(error)")
        }
    }

    /// `backtest`: sma-cross over a stored symbol's bars; the result has the backtest's figures and
    /// the tear sheet's content (`BacktestJobResult`).
    public static func backtest(store: any MarketDataStore) -> JobHandler {
        JobHandler(kind: "backtest") { job in
            let payload = try decode(BacktestJobRequest.self, of: job, shape: "a backtest request")
            guard let symbol = Symbol(payload.symbol), let timeframe = Timeframe(rawValue: payload.resolvedTimeframe),
                  let cash = FixedDecimal(payload.resolvedCash), let commission = FixedDecimal(payload.resolvedCommission) else {
                throw PayloadError(description: "symbol, timeframe, cash or commission is not valid")
            }
            let bars = try await store.allBars(symbol: symbol, timeframe: timeframe)
            let backtest = SMACrossBacktest(fast: payload.resolvedFast, slow: payload.resolvedSlow, cash: cash, commission: commission, keepsJournal: false)
            let result = try backtest.run(bars, symbol: symbol)
            let json = BacktestJobResult.json(result, backtest: backtest, symbol: symbol, timeframe: timeframe, bars: bars)
            return String(decoding: json.serialized(), as: UTF8.self)
        }
    }

    /// `feedback_scoring`: one scoring cycle (drifts raised as alerts); the result has the counts.
    public static func feedbackScoring(store: SQLStore, clock: any TradingClock) -> JobHandler {
        JobHandler(kind: "feedback_scoring") { _ in
            String(decoding: try await FeedbackCommands.score(store, now: clock.now()).json.serialized(), as: UTF8.self)
        }
    }

    /// `feedback_optimize`: re-tunes the confidence thresholds; the result has each horizon's decision.
    public static func feedbackOptimize(store: SQLStore, clock: any TradingClock) -> JobHandler {
        JobHandler(kind: "feedback_optimize") { _ in
            String(decoding: try await FeedbackCommands.optimize(store, now: clock.now()).json.serialized(), as: UTF8.self)
        }
    }

    /// What a `forecast_update` job forecasts.
    struct ForecastUpdate: Codable {
        let symbol: String
        let timeframe: String
        /// Comma-separated horizons (default: those of 5m, 1h, 4h, 24h the bars can express).
        let horizons: String?
    }

    /// `forecast_update`: forecasts a stored symbol at its newest close and stores the forecasts
    /// (once each) for the feedback loop to score; the result names the data time and how many
    /// were new. A schedule keeps a symbol's forecasts current as new bars arrive.
    public static func forecastUpdate(store: SQLStore, clock: any TradingClock) -> JobHandler {
        JobHandler(kind: "forecast_update") { job in
            let payload = try decode(ForecastUpdate.self, of: job, shape: "{\"symbol\", \"timeframe\", \"horizons\"?}")
            guard let symbol = Symbol(payload.symbol), let timeframe = Timeframe(rawValue: payload.timeframe) else {
                throw PayloadError(description: "symbol or timeframe is not valid")
            }
            guard let (series, lastClose) = try await store.analyticSeries(symbol: symbol, timeframe: timeframe, start: nil, end: nil),
                  let time = series.lastCloseTime else {
                throw PayloadError(description: "no \(timeframe.rawValue) bars of \(symbol) are stored")
            }
            let horizons = try PredictionCommands.horizons(payload.horizons, for: series)
            let forecasts = try Forecaster().forecast(series, at: time, horizons: horizons)
            let stored = try await store.recordForecasts(forecasts.map {
                ForecastRecord($0, symbol: symbol, timeframe: timeframe, referenceClose: lastClose, createdAt: clock.now())
            })
            let result: JSONValue = ["symbol": .string(symbol.rawValue), "data_time": .string(time.iso8601), "forecasts": .int(forecasts.count),
                                     "newly_stored": .int(stored.count)]
            return String(decoding: result.serialized(), as: UTF8.self)
        }
    }

    /// What a `market_data_refresh` job imports.
    struct MarketDataRefresh: Codable {
        let file: String
        let timeframe: String
        let symbol: String?
        let layout: String?
        let asset_class: String?
        let quote_currency: String?
    }

    /// `market_data_refresh`: imports a bar file again (a file another program keeps current; live
    /// Binance bars come through `run --feed binance` instead): new bars are inserted, changed ones updated, the rest left alone,
    /// in one transaction; a file with a bad row fails the job naming file, line and field, and
    /// stores nothing. The result has each series' counts.
    public static func marketDataRefresh(store: SQLStore) -> JobHandler {
        JobHandler(kind: "market_data_refresh") { job in
            let payload = try decode(MarketDataRefresh.self, of: job, shape: "{\"file\", \"timeframe\", \"symbol\"?, \"layout\"?, \"asset_class\"?, \"quote_currency\"?}")
            guard let timeframe = Timeframe(rawValue: payload.timeframe), let layout = BarFileFormat(rawValue: payload.layout ?? "ohlcv"),
                  let assetClass = AssetClass(rawValue: payload.asset_class ?? "unknown"), payload.symbol.map({ Symbol($0) != nil }) ?? true else {
                throw PayloadError(description: "timeframe, layout, asset_class or symbol is not valid")
            }
            let summaries = try await MarketDataImporter(store: store).importFile(MarketDataImporter.Request(
                path: payload.file, layout: layout, symbol: payload.symbol.flatMap(Symbol.init), timeframe: timeframe, assetClass: assetClass,
                quoteCurrency: payload.quote_currency))
            let result: JSONValue = ["series": .array(summaries.map {
                ["symbol": .string($0.symbol.rawValue), "timeframe": .string($0.timeframe.rawValue), "inserted": .int($0.inserted),
                 "updated": .int($0.updated), "unchanged": .int($0.unchanged)]
            })]
            return String(decoding: result.serialized(), as: UTF8.self)
        }
    }

    /// What a `rebalance_check` job checks.
    struct RebalanceCheck: Codable {
        let account: String?
        let strategy: String?
        let risk_level: String?
        let lookback: Int?
        let drift_threshold: Double?
    }

    /// `rebalance_check`: compares a trading account's weights, as its last stored step left them,
    /// with the weights the strategy gives now from the stored closes up to that step (nothing
    /// later), and reports the drift of each asset and the orders a rebalance would place (5 pp
    /// drift by default). It trades nothing: the result is for people and alerts to act on.
    public static func rebalanceCheck(store: SQLStore) -> JobHandler {
        JobHandler(kind: "rebalance_check") { job in
            let payload = try decode(RebalanceCheck.self, of: job, shape: "{\"account\"?, \"strategy\"?, \"risk_level\"?, \"lookback\"?, \"drift_threshold\"?}")
            let name = payload.account ?? "paper"
            // The names as the schedules' payloads write them: in capitals, as the API and `optimize` do.
            let strategy = try payload.strategy.map { text in
                guard let value = AllocationStrategy(rawValue: text) else {
                    throw PayloadError(description: "strategy must be one of \(AllocationStrategy.allCases.map(\.rawValue).joined(separator: ", ")), got \(text)")
                }
                return value
            } ?? .balanced
            let level = try payload.risk_level.map { text in
                guard let value = RiskLevel(rawValue: text) else {
                    throw PayloadError(description: "risk_level must be one of \(RiskLevel.allCases.map(\.rawValue).joined(separator: ", ")), got \(text)")
                }
                return value
            } ?? .medium
            guard (20...5000).contains(payload.lookback ?? 252), (0.0...1.0).contains(payload.drift_threshold ?? 0.05) else {
                throw PayloadError(description: "lookback must be 20–5000 and drift_threshold 0–1")
            }
            guard let account = try await store.tradingAccount(name: name), let text = account.checkpoint,
                  let checkpoint = try? JSONDecoder().decode(SessionCheckpoint.self, from: Data(text.utf8)), let asOf = checkpoint.lastCloseTime,
                  let timeframe = FeedbackCycle.decisionHorizon(fingerprint: account.fingerprint)?.timeframe else {
                throw PayloadError(description: "the account \(name) has no stored step to check")
            }
            // Closes up to the account's last step only, on the bar times every symbol shares.
            let symbols = checkpoint.marks.keys.sorted { $0.rawValue < $1.rawValue }
            guard !symbols.isEmpty else { throw PayloadError(description: "the account \(name) has no marked symbol yet") }
            var closes: [Symbol: [Int64: Double]] = [:]
            for symbol in symbols {
                let end = Timestamp(millisecondsSinceEpoch: asOf.millisecondsSinceEpoch - timeframe.milliseconds + 1)
                guard let (series, _) = try await store.analyticSeries(symbol: symbol, timeframe: timeframe, start: nil, end: end) else { continue }
                closes[symbol] = Dictionary(zip(series.asOf(asOf).openTimes, series.asOf(asOf).closes), uniquingKeysWith: { a, _ in a })
            }
            let shared = symbols.dropFirst().reduce(Set(closes[symbols[0]]?.keys ?? [:].keys)) { $0.intersection(closes[$1]?.keys ?? [:].keys) }
            let times = Array(shared.sorted().suffix((payload.lookback ?? 252) + 1))
            let history = try PriceHistory(symbols: symbols.map(\.rawValue), dates: times.map { Timestamp(millisecondsSinceEpoch: $0) },
                                           prices: times.map { time in symbols.map { closes[$0]![time]! } })
            let targets = try StrategyAllocator(history: history).allocate(strategy, riskLevel: level)
            let ledger = Ledger(snapshot: checkpoint.ledger)
            let positions = symbols.enumerated().map { index, symbol in
                Rebalancer.Position(symbol: symbol.rawValue, quantity: Quantity(ledger.positions[symbol]?.quantity ?? .zero),
                                    price: Price(checkpoint.marks[symbol] ?? .zero), targetWeight: targets.weights[index],
                                    lotSize: Quantity(FixedDecimal("0.000001")!))
            }
            let plan = try Rebalancer(driftThreshold: payload.drift_threshold ?? 0.05).plan(positions: positions, cash: ledger.cash)
            guard case .object(var members) = Representations.rebalancePlan(plan) else { return "{}" }
            members.insert(contentsOf: [("account", .string(name)), ("as_of", .string(asOf.iso8601)), ("strategy", .string(strategy.rawValue)),
                                        ("risk_level", .string(level.rawValue))], at: 0)
            return String(decoding: JSONValue.object(members).serialized(), as: UTF8.self)
        }
    }

    /// The kinds every worker runs.
    public static func all(store: SQLStore, configuration: OrchestratorConfiguration, clock: any TradingClock, logger: Logger) -> [JobHandler] {
        [noop, backtest(store: store), marketDataRefresh(store: store), forecastUpdate(store: store, clock: clock), rebalanceCheck(store: store),
         feedbackScoring(store: store, clock: clock),
         feedbackOptimize(store: store, clock: clock), ModelRetraining.handler(store: store, clock: clock),
         supervisorSweep(SecuritySweeper(configuration: configuration, store: store, logger: logger, clock: clock, metrics: nil, role: "worker")),
         securityDatabaseUpdate(configuration: configuration, logger: logger)]
    }

    /// The names of `all`'s kinds, the ones a schedule may queue.
    public static let names: Set<String> = ["noop", "backtest", "market_data_refresh", "forecast_update", "rebalance_check", "feedback_scoring", "feedback_optimize", "supervisor_sweep", "model_retraining",
                                          "security_database_update"]

    /// `security_database_update`: `scan update` of the archives this host needs (and the payload's
    /// `{"ecosystems": [...]}`); an archive that fails fails the job (retried), the others are kept.
    public static func securityDatabaseUpdate(configuration: OrchestratorConfiguration, logger: Logger) -> JobHandler {
        JobHandler(kind: "security_database_update") { job in
            struct Payload: Decodable {
                let ecosystems: [String]?
            }
            let payload = try decode(Payload.self, of: job, shape: #"{"ecosystems"?: ["Debian", "Ubuntu", "SwiftURL"]}"#)
            let folder = configuration.osvDatabaseFolder
            let updater = OSVDatabaseUpdater(folder: folder, baseURL: configuration.security.osvURL)
            let outcomes = await updater.update(ecosystems: OSVDatabaseUpdater.neededEcosystems(osRelease: ScanCommand.hostOSRelease(), extra: payload.ecosystems ?? []))
            for outcome in outcomes {
                logger.log(level: outcome.updated ? .info : .error, "vulnerability database archive \(outcome.updated ? "updated" : "not updated")",
                           metadata: ["ecosystem": .string(outcome.ecosystem), "records": .stringConvertible(outcome.records),
                                      "skipped": .stringConvertible(outcome.skipped.count), "problem": .string(outcome.problem ?? "")])
            }
            let failures = outcomes.filter { !$0.updated }
            guard failures.isEmpty else {
                throw PayloadError(description: failures.map { "\($0.ecosystem): \($0.problem ?? "failed")" }.joined(separator: "; "))
            }
            return String(decoding: OSVDatabaseUpdater.output(outcomes, folder: folder).json.serialized(), as: UTF8.self)
        }
    }

    /// `supervisor_sweep`: one security sweep.
    public static func supervisorSweep(_ sweeper: SecuritySweeper) -> JobHandler {
        JobHandler(kind: "supervisor_sweep") { _ in
            let sweep = try await sweeper.sweep()
            return "{\"score\": \(sweep.score)}"
        }
    }
}
