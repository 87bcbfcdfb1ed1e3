import Foundation
import Logging
import Orchestrator
import Storage
import TestSupport
import Testing
import TradingCore
import TradingEngine

@Suite("Job worker")
struct JobWorkerTests {
    @Test("a worker runs a queued backtest to the same result as the backtester, and a job that cannot run goes dead with its error")
    func runsJobs() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = SQLStore(database: try SQLiteDatabase(path: directory.file("jobs.sqlite")), clock: FixedClock())
        try await store.migrate()
        defer { Task { try? await store.close() } }
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
        let dead = try #require(try await store.job(id: broken.id))
        #expect(dead.status == .dead && (dead.lastError ?? "").contains("slow"))
        #expect(try await worker.runOnce() == 0)
    }
}
