import Foundation
import Logging
@testable import Orchestrator
import Prediction
import Storage
import TestSupport
import Testing
import TradingCore
import TradingEngine

@Suite("Job worker")
struct JobWorkerTests {
    /// A migrated SQLite store in a temporary folder for the body, closed and removed after it.
    static func withStore(clock: FixedClock, _ body: (SQLStore, TemporaryDirectory) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = SQLStore(database: try SQLiteDatabase(path: directory.file("jobs.sqlite")), clock: clock)
        try await store.migrate()
        do {
            try await body(store, directory)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    @Test("a worker runs a queued backtest to the same result as the backtester, and a job that cannot run goes dead with its error")
    func runsJobs() async throws {
        try await Self.withStore(clock: FixedClock()) { (store: SQLStore, directory: TemporaryDirectory) async throws in
            let file = OHLCVFile.self
            let data = try file.read(TestEnvironment.sampleDataDirectory.appendingPathComponent("SP500_1d_1999-01-04_2018-12-31.csv").path)
            _ = try await store.importBars(BarImportBatch(instrument: Instrument(symbol: Symbol("SP500")!, assetClass: .index, quoteCurrency: "USD"),
                                                          timeframe: .oneDay, kind: .ohlcv, bars: data.bars, source: "test"))
            let now = Timestamp(millisecondsSinceEpoch: 0)
            let job = try await store.enqueue(NewJob(kind: "backtest", payload: #"{"symbol": "SP500", "fast": 10, "slow": 30}"#, runAt: now), at: now)
            let broken = try await store.enqueue(NewJob(kind: "backtest", payload: #"{"symbol": "SP500", "fast": 30, "slow": 10}"#, runAt: now, maximumAttempts: 1), at: now)
            let worker = JobWorker(store: store, name: "test-worker", concurrency: 2, handlers: [JobKinds.backtest(store: store)], clock: FixedClock(),
                                   logger: Logger(label: "worker"))
            #expect(try await worker.runOnce() == 2)
            let done = try #require(try await store.job(id: job.id))
            #expect(done.status == .succeeded)
            let result = try #require(try JSONSerialization.jsonObject(with: Data((done.result ?? "").utf8)) as? [String: Any])
            let direct = try SMACrossBacktest(fast: 10, slow: 30, cash: FixedDecimal(100_000), commission: FixedDecimal("0.001")!).run(data.bars, symbol: Symbol("SP500")!)
            #expect(result["final_equity"] as? String == direct.finalEquity.description && result["trades"] as? Int == direct.trades.count)
            // The tear sheet's content: the curve thinned but ending at the final equity, every month, the trades listed.
            let curve = try #require(result["equity_curve"] as? [[String: Any]])
            #expect(curve.count <= BacktestJobResult.curvePoints + 4 && curve.count > 100)
            // The deepest drawdown is kept exactly, measured on the whole curve.
            let deepest = curve.compactMap { $0["drawdown_pct"] as? Double }.min() ?? 0
            #expect(abs(deepest - direct.maxDrawdownPercent) < 1e-9, "\(deepest) against \(direct.maxDrawdownPercent)")
            #expect(abs((curve.last?["equity"] as? Double ?? 0) - direct.finalEquity.doubleValue) < 1e-6)
            #expect(abs((curve.first?["buy_and_hold"] as? Double ?? 0) - 100_000) < 1e-9)
            #expect((result["monthly_returns"] as? [Any])?.count == 240)
            let trades = try #require(result["trade_list"] as? [[String: Any]])
            #expect(trades.count == min(direct.trades.count, BacktestJobResult.listedTrades) && trades.first?["profit"] as? String == direct.trades.first?.profit.description)
            #expect(result["fast"] as? Int == 10 && result["slow"] as? Int == 30 && (result["metrics"] as? [String: Any])?["annual_return"] is Double)
            let dead = try #require(try await store.job(id: broken.id))
            #expect(dead.status == .dead && (dead.lastError ?? "").contains("slow"))
            #expect(try await worker.runOnce() == 0)
        }
    }

    @Test("on a clock running faster than the machine's, a job's lease and a failed job's retry are as long in the machine's time as on the wall clock",
          arguments: [1.0, 500.0])
    func leasesFollowTheClocksPace(rate: Double) async throws {
        try await Self.withStore(clock: FixedClock()) { (store: SQLStore, _: TemporaryDirectory) async throws in
            let clock = FixedClock(Timestamp(millisecondsSinceEpoch: 0), rate: rate)
            let now = clock.now()
            let held = try await store.enqueue(NewJob(kind: "hold", payload: "{}", runAt: now), at: now)
            let (started, startedInput) = AsyncStream<Void>.makeStream()
            let (release, releaseInput) = AsyncStream<Void>.makeStream()
            var worker = JobWorker(store: store, name: "test-worker", concurrency: 1,
                                   handlers: [JobHandler(kind: "hold") { _ in
                                       startedInput.yield()
                                       for await _ in release { break }
                                       struct Refused: Error {}
                                       throw Refused()
                                   }], clock: clock, logger: Logger(label: "worker"))
            worker.lease = .seconds(30)
            let run = Task { try await worker.runOnce() }
            for await _ in started { break }
            // Held for 30 s of the machine's time: 30 s × the pace on the clock the leases are stamped with.
            let running = try #require(try await store.job(id: held.id))
            #expect(running.leaseExpiresAt == now.adding(milliseconds: Int64(30_000 * rate)))
            releaseInput.yield()
            _ = try await run.value
            // The retry waits the backoff's machine time too: at least 0.75 s (its 1 s less the jitter), scaled.
            let failed = try #require(try await store.job(id: held.id))
            #expect(failed.status == .queued && failed.runAt.millisecondsSinceEpoch >= Int64(750 * rate))
        }
    }

    @Test("each run is counted for its job kind's system signature, a thrown error as a failure")
    func runsAreObserved() async throws {
        try await Self.withStore(clock: FixedClock()) { (store: SQLStore, _: TemporaryDirectory) async throws in
            let clock = FixedClock(Timestamp(millisecondsSinceEpoch: 0))
            let observations = SystemObservations(windowSeconds: 60, clock: { clock.now() })
            struct Refused: Error {}
            let now = Timestamp(millisecondsSinceEpoch: 0)
            _ = try await store.enqueue(NewJob(kind: "noop", payload: "{}", runAt: now), at: now)
            _ = try await store.enqueue(NewJob(kind: "refuse", payload: "{}", runAt: now, maximumAttempts: 1), at: now)
            var worker = JobWorker(store: store, name: "test-worker", concurrency: 2, handlers: [JobKinds.noop, JobHandler(kind: "refuse") { _ in throw Refused() }],
                                   clock: FixedClock(), logger: Logger(label: "worker"))
            worker.observations = observations
            #expect(try await worker.runOnce() == 2)
            clock.advance(milliseconds: 60_000)
            let windows = observations.takeClosedWindows()
            #expect(windows.map(\.subject) == ["noop", "refuse"])
            #expect(windows.map(\.kind) == [.job, .job] && windows.map(\.cell.errors) == [0, 1])
            #expect(windows.allSatisfy { $0.kindOperationsPerMinute == 2 })
        }
    }

    @Test("forecast_update stores the newest forecasts once, feedback_scoring scores them when due, feedback_optimize re-tunes only once outcomes exist; a bad payload goes dead")
    func forecastUpdateAndScoring() async throws {
        let clock = FixedClock(Timestamp(iso8601: "2030-01-01T00:00:00Z")!)
        try await Self.withStore(clock: clock) { (store: SQLStore, directory: TemporaryDirectory) async throws in
            let data = try OHLCVFile.read(TestEnvironment.sampleDataDirectory.appendingPathComponent("SP500_1d_1999-01-04_2018-12-31.csv").path)
            let symbol = Symbol("SP500")!
            // Everything but the last 30 bars first: the forecasts made then come due when the rest arrives.
            let early = Array(data.bars.dropLast(30))
            _ = try await store.importBars(BarImportBatch(instrument: Instrument(symbol: symbol, assetClass: .index, quoteCurrency: "USD"),
                                                          timeframe: .oneDay, kind: .ohlcv, bars: early, source: "test"))
            let configuration = try await ConfigurationLoader.load(overrides: ["data.dir": directory.path], environment: [:], configFile: nil)
            let worker = JobWorker(store: store, name: "w", concurrency: 2, handlers: JobKinds.all(store: store, configuration: configuration, clock: clock, logger: Logger(label: "w")),
                                   clock: clock, logger: Logger(label: "w"))
            let payload = #"{"symbol": "SP500", "timeframe": "1d", "horizons": "5d,20d"}"#
            let update = try await store.enqueue(NewJob(kind: "forecast_update", payload: payload, runAt: clock.now()), at: clock.now())
            let again = try await store.enqueue(NewJob(kind: "forecast_update", payload: payload, runAt: clock.now()), at: clock.now())
            let bad = try await store.enqueue(NewJob(kind: "forecast_update", payload: #"{"symbol": "NOPE", "timeframe": "1d"}"#, runAt: clock.now(), maximumAttempts: 1),
                                              at: clock.now())
            #expect(try await worker.runOnce() == 2)
            #expect(try await worker.runOnce() == 1)
            let first = try #require(try await store.job(id: update.id)?.result), second = try #require(try await store.job(id: again.id)?.result)
            #expect(first.contains("\"forecasts\":2") && (first + second).contains("\"newly_stored\":0"), "\(first) \(second)")
            #expect(try await store.job(id: bad.id)?.status == .dead)
            #expect(try await store.forecasts(symbol: symbol, limit: 10).count == 2)
            // The thresholds' scheduled re-tuning with nothing scored yet: no change, and nothing committed.
            let revision = try await store.feedbackRevision()
            let idle = try await store.enqueue(NewJob(kind: "feedback_optimize", payload: "{}", runAt: clock.now()), at: clock.now())
            #expect(try await worker.runOnce() == 1)
            #expect(try await store.job(id: idle.id)?.result == #"{"changes":[]}"#)
            #expect(try await store.feedbackRevision() == revision)
            _ = try await store.importBars(BarImportBatch(instrument: Instrument(symbol: symbol, assetClass: .index, quoteCurrency: "USD"),
                                                          timeframe: .oneDay, kind: .ohlcv, bars: data.bars, source: "test"))
            let scoring = try await store.enqueue(NewJob(kind: "feedback_scoring", payload: "{}", runAt: clock.now()), at: clock.now())
            #expect(try await worker.runOnce() == 1)
            let scored = try #require(try await store.job(id: scoring.id)?.result)
            #expect(scored.contains("\"scored\":2"), "\(scored)")
            // With outcomes, the re-tuning judges each horizon and commits the thresholds.
            let tuning = try await store.enqueue(NewJob(kind: "feedback_optimize", payload: "{}", runAt: clock.now()), at: clock.now())
            #expect(try await worker.runOnce() == 1)
            let tuned = try #require(try JSONSerialization.jsonObject(with: Data((try await store.job(id: tuning.id)?.result ?? "").utf8)) as? [String: Any])
            #expect(((tuned["changes"] as? [[String: Any]]) ?? []).compactMap { $0["horizon"] as? String }.sorted() == ["20d", "5d"], "\(tuned)")
            #expect(try await store.feedbackRevision() > revision)
        }
    }

    @Test("market_data_refresh imports new rows of a kept-current file once; a bad row fails the job and stores nothing")
    func marketDataRefresh() async throws {
        let clock = FixedClock()
        try await Self.withStore(clock: clock) { (store: SQLStore, directory: TemporaryDirectory) async throws in
            let worker = JobWorker(store: store, name: "w", concurrency: 1, handlers: [JobKinds.marketDataRefresh(store: store)], clock: clock,
                                   logger: Logger(label: "w"))
            let file = try directory.write("abc.csv", "date,open,high,low,close\n2024-01-01,1,2,1,1.5\n2024-01-02,1.5,2,1,1.8\n")
            let payload = #"{"file": "\#(file)", "timeframe": "1d", "symbol": "ABC", "asset_class": "equity"}"#
            func refresh(attempts: Int = 3) async throws -> JobRecord {
                let job = try await store.enqueue(NewJob(kind: "market_data_refresh", payload: payload, runAt: clock.now(), maximumAttempts: attempts), at: clock.now())
                #expect(try await worker.runOnce() == 1)
                return try #require(try await store.job(id: job.id))
            }
            #expect(try await refresh().result?.contains("\"inserted\":2") == true)
            _ = try directory.write("abc.csv", "date,open,high,low,close\n2024-01-01,1,2,1,1.5\n2024-01-02,1.5,2,1,1.8\n2024-01-03,1.8,2,1,1.9\n")
            let second = try await refresh()
            #expect(second.result?.contains("\"inserted\":1") == true && second.result?.contains("\"unchanged\":2") == true, "\(second.result ?? "")")
            _ = try directory.write("abc.csv", "date,open,high,low,close\n2024-01-04,1.9,2,1,oops\n")
            let bad = try await refresh(attempts: 1)
            #expect(bad.status == .dead && (bad.lastError ?? "").contains("abc.csv:2"), "\(bad.lastError ?? "")")
            let page = try await store.bars(BarQuery(symbol: Symbol("ABC")!, timeframe: .oneDay, start: nil, end: nil, limit: 10))
            #expect(page.bars.count == 3)
        }
    }

    /// Holds 70 % and 30 % of two symbols from the first decision on.
    struct FixedMix: AllocationPolicy {
        mutating func targetWeights(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws -> [Symbol: Double]? {
            [Symbol("AAA")!: 0.7, Symbol("BBB")!: 0.3]
        }
    }

    @Test("rebalance_check reports each asset's drift from the strategy's weights as of the account's last step, and trades nothing")
    func rebalanceCheck() async throws {
        let clock = FixedClock()
        try await Self.withStore(clock: clock) { (store: SQLStore, directory: TemporaryDirectory) async throws in
            let origin = Timestamp(iso8601: "2024-01-01T00:00:00Z")!
            var bars: [Symbol: [Bar]] = [:]
            for (symbol, drift) in [("AAA", 0.002), ("BBB", -0.001)] {
                bars[Symbol(symbol)!] = try (0..<200).map { index in
                    let close = Price(try #require(FixedDecimal(approximating: 100 * exp(drift * Double(index) + 0.01 * sin(Double(index))), fractionalDigits: 4)))
                    return try Bar(openTime: origin.adding(milliseconds: Int64(index) * 86_400_000), open: close, high: close, low: close, close: close, volume: nil)
                }
                _ = try await store.importBars(BarImportBatch(instrument: Instrument(symbol: Symbol(symbol)!, assetClass: .equity, quoteCurrency: "USD"),
                                                              timeframe: .oneDay, kind: .ohlcv, bars: bars[Symbol(symbol)!]!, source: "test"))
            }
            let runner = PaperTradingRunner(store: store, account: "paper", bars: bars, timeframe: .oneDay,
                                            settings: TradingSettings(cash: FixedDecimal(100_000), venue: SimulatedVenue(), limits: RiskLimits(maximumPositionWeight: 0.9),
                                                                      decisionInterval: 5, orderPrefix: "paper"),
                                            pace: .zero, now: { clock.now() }, makePolicy: { FixedMix() })
            try await runner.run()
            let fillsBefore = try await store.tradingFills(account: "paper", limit: 1000).count
            let worker = JobWorker(store: store, name: "w", concurrency: 1, handlers: [JobKinds.rebalanceCheck(store: store)], clock: clock, logger: Logger(label: "w"))
            let job = try await store.enqueue(NewJob(kind: "rebalance_check", payload: #"{"strategy": "CONSERVATIVE", "risk_level": "LOW", "lookback": 60}"#,
                                                     runAt: clock.now()), at: clock.now())
            let bad = try await store.enqueue(NewJob(kind: "rebalance_check", payload: #"{"account": "nobody"}"#, runAt: clock.now(), maximumAttempts: 1), at: clock.now())
            #expect(try await worker.runOnce() == 1)
            #expect(try await worker.runOnce() == 1)
            let result = try #require(try await store.job(id: job.id)?.result)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.utf8)) as? [String: Any])
            #expect(json["account"] as? String == "paper" && json["as_of"] as? String == bars[Symbol("AAA")!]!.last!.openTime.adding(milliseconds: 86_400_000).iso8601)
            #expect(json["rebalance_needed"] != nil && json["assets"] != nil && json["orders"] != nil, "\(json.keys.sorted())")
            #expect(try await store.job(id: bad.id)?.status == .dead)
            #expect(try await store.tradingFills(account: "paper", limit: 1000).count == fillsBefore, "a check trades nothing")
        }
    }
}
