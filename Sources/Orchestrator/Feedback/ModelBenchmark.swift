import FeedbackLoop
import Foundation
import Logging
import Prediction
import Storage
import TradingCore
import TradingEngine

/// `orchestrator feedback benchmark-models`: what a challenger trial costs as the champion ages,
/// and what a champion swap costs the trading path, on the bars of an OHLCV file.
public enum ModelBenchmark {
    /// The median of `repetitions` timings of `work`, in milliseconds.
    static func median(_ repetitions: Int, _ work: () throws -> Void) rethrows -> Double {
        var timings: [Double] = []
        for _ in 0..<repetitions {
            let started = ContinuousClock.now
            try work()
            timings.append((ContinuousClock.now - started).milliseconds)
        }
        return timings.sorted()[timings.count / 2]
    }

    /// The trial as it was before the champion's stored models and the bar-to-bar carry: both
    /// models refitted, each shadow forecast carrying their variances from the fits.
    static func uncarriedTrial(series: BarSeries, horizon: Horizon, championFit: Timestamp, challengerFit: Timestamp, origins: Range<Int>) throws -> Double {
        let champion = try Forecaster().fit(series, at: championFit, horizons: [horizon])
        let challenger = try Forecaster().fit(series, at: challengerFit, horizons: [horizon])
        var checksum = 0.0
        for origin in origins {
            let visible = series.asOf(series.closeTime(ofBar: origin))
            checksum += try champion.forecast(visible)[0].probabilityUp + challenger.forecast(visible)[0].probabilityUp
        }
        return checksum
    }

    /// Trials at several champion ages (bars between the champion's fit and the challenger's), and a swap.
    public static func run(path: String, horizon horizonText: String, ages: [Int], repetitions: Int) async throws -> AdministrationCommands.Output {
        let series = try PredictionCommands.load(path).series
        guard let horizon = Horizon(parsing: horizonText) else { throw PredictionError.invalidHorizon("'\(horizonText)' is not a horizon such as 1h or 4h") }
        let steps = try horizon.bars(of: series.timeframe)
        let shadow = 480
        // The challenger is fitted where exactly the shadow period's bars and targets follow.
        let challengerIndex = series.count - shadow - steps - 1
        let challengerFit = series.closeTime(ofBar: challengerIndex)
        let trial = ChallengerTrial(horizon: horizon, shadowPairs: shadow)
        var rows: [[String]] = []
        var results: [JSONValue] = []
        for age in ages where challengerIndex - age >= 400 {
            let championFit = series.closeTime(ofBar: challengerIndex - age)
            let stored = try Forecaster.FittedModels(parameters: try Forecaster().fit(series, at: championFit, horizons: [horizon]).parameters!)
            let withStored = try median(repetitions) { _ = try trial.evaluate(series: series, championFit: championFit, challengerFit: challengerFit, champion: stored) }
            let refitted = try median(repetitions) { _ = try trial.evaluate(series: series, championFit: championFit, challengerFit: challengerFit) }
            let before = try median(repetitions) {
                _ = try uncarriedTrial(series: series, horizon: horizon, championFit: championFit, challengerFit: challengerFit,
                                       origins: (challengerIndex + 1)..<(challengerIndex + 1 + shadow))
            }
            rows.append(["\(age)", String(format: "%.1f", withStored), String(format: "%.1f", refitted), String(format: "%.1f", before)])
            results.append(["champion_age_bars": .int(age), "trial_ms": .number(withStored), "trial_refitting_champion_ms": .number(refitted),
                            "before_ms": .number(before)])
        }
        // A swap: the policy takes a new champion and forecasts the next bar with it, against the same forecast without a swap.
        let symbol = Symbol("SWAP")!
        let view = series.asOf(series.closeTime(ofBar: series.count - 2))
        let next = series.asOf(series.closeTime(ofBar: series.count - 1))
        let bars = [symbol: view], nextBars = [symbol: next]
        let first = ChampionModel(symbol: symbol, horizon: horizon, name: "first", knownAt: challengerFit,
                                  models: try Forecaster().fit(series, at: challengerFit, horizons: [horizon]).advanced(through: view))
        let second = ChampionModel(symbol: symbol, horizon: horizon, name: "second", knownAt: challengerFit,
                                   models: try Forecaster().fit(series, at: series.closeTime(ofBar: challengerIndex - 100), horizons: [horizon]).advanced(through: view))
        var policy = ForecastAllocationPolicy(horizon: horizon)
        policy.setChampions([first])
        _ = try policy.forecasts(at: view.decisionTime, bars: bars)
        let iterations = 1_000
        // One step of a policy holding `first` that is handed `champion` first (itself: no swap).
        let step = { (champion: ChampionModel) -> Double in
            median(repetitions) {
                for _ in 0..<iterations {
                    var copy = policy
                    copy.setChampions([champion])
                    _ = try? copy.forecasts(at: next.decisionTime, bars: nextBars)
                }
            } / Double(iterations)
        }
        let stay = step(first), swap = step(second)
        // Reading a stored fit back: JSON decoded and turned into models.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try encoder.encode(second.models.parameters!)
        let decode = try median(repetitions) {
            for _ in 0..<iterations {
                _ = try Forecaster.FittedModels(parameters: JSONDecoder().decode(Forecaster.FittedModels.Parameters.self, from: json))
            }
        } / Double(iterations)
        rows.append(["swap", String(format: "%.4f ms a step with a swap", swap), String(format: "%.4f ms without", stay),
                     String(format: "%.4f ms to decode a stored fit", decode)])
        let (read, loads) = try await storeReads(path: path, series: series, horizon: horizon, ages: ages.filter { $0 < series.count - 400 }, repetitions: repetitions)
        rows.append(["registry", String(format: "%.2f ms a batch start without a change", read),
                     loads.map { String(format: "%.1f ms to load a champion %d bars old", $0.milliseconds, $0.age) }.joined(separator: ", "), ""])
        return AdministrationCommands.Output(
            json: ["bars": .int(series.count), "horizon": .string(horizon.label), "shadow_pairs": .int(shadow), "trials": .array(results),
                   "step_with_swap_ms": .number(swap), "step_without_swap_ms": .number(stay), "decode_stored_fit_ms": .number(decode),
                   "registry_read_ms": .number(read),
                   "champion_loads": .array(loads.map { ["champion_age_bars": .int($0.age), "load_ms": .number($0.milliseconds)] })],
            columns: ["champion age (bars)", "trial, stored champion (ms)", "trial, champion refitted (ms)", "before: uncarried, refitted (ms)"],
            rows: rows, footer: "median of \(repetitions); the swap figures are per step, over \(iterations) steps")
    }

    /// Through a SQLite store of the file's bars: a batch start's registry read when nothing
    /// changed, and the first read after a promotion (the stored fit decoded and carried through
    /// the stored bars since it) for champions of each age.
    static func storeReads(path: String, series: BarSeries, horizon: Horizon, ages: [Int], repetitions: Int) async throws
        -> (read: Double, loads: [(age: Int, milliseconds: Double)]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("model-benchmark-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = SQLStore(database: try SQLiteDatabase(path: folder + "/benchmark.sqlite"), clock: SystemClock())
        try await store.migrate()
        let symbol = Symbol("BENCH")!
        _ = try await MarketDataImporter(store: store).importFile(MarketDataImporter.Request(
            path: path, layout: .ohlcv, symbol: symbol, timeframe: series.timeframe, assetClass: .crypto, quoteCurrency: "USD"))
        let now = series.closeTime(ofBar: series.count - 1)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        func champion(age: Int) throws -> ModelVersionRecord {
            let fittedAt = series.closeTime(ofBar: series.count - 1 - age)
            let specification = FeedbackCycle.ModelSpecification(symbol: symbol.rawValue, timeframe: series.timeframe.rawValue, horizon: horizon.label,
                                                                  fittedAt: fittedAt)
            let fit = String(decoding: try encoder.encode(try Forecaster().fit(series, at: fittedAt, horizons: [horizon]).parameters!), as: UTF8.self)
            return ModelVersionRecord(name: specification.name, role: .champion, parameters: specification.json, createdAt: now, promotedAt: now, fit: fit)
        }
        func source() -> ChampionModelSource {
            ChampionModelSource(store: store, account: "benchmark", symbols: [symbol], timeframe: series.timeframe, clock: SystemClock(), metrics: nil,
                                logger: Logger(label: "benchmark", factory: { _ in SwiftLogNoOpLogHandler() }), announce: { _ in })
        }
        var loads: [(age: Int, milliseconds: Double)] = []
        var previous: ModelVersionRecord?
        for age in ages {
            let record = try champion(age: age)
            var commit = FeedbackCommit()
            commit.models = [record] + (previous.map { [ModelVersionRecord(name: $0.name, role: .retired, parameters: $0.parameters, createdAt: $0.createdAt, promotedAt: nil)] } ?? [])
            try await store.commitFeedback(commit, at: now)
            previous = record
            var timings: [Double] = []
            for _ in 0..<repetitions {
                let fresh = source()
                let started = ContinuousClock.now
                _ = await fresh.champions(at: now)
                timings.append((ContinuousClock.now - started).milliseconds)
            }
            loads.append((age, timings.sorted()[timings.count / 2]))
        }
        let warm = source()
        _ = await warm.champions(at: now)
        var timings: [Double] = []
        for _ in 0..<max(repetitions, 20) {
            let started = ContinuousClock.now
            _ = await warm.champions(at: now)
            timings.append((ContinuousClock.now - started).milliseconds)
        }
        try await store.close()
        return (timings.sorted()[timings.count / 2], loads)
    }
}
