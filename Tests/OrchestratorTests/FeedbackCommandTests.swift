import FeedbackLoop
import Foundation
import Orchestrator
import Storage
import Testing
import TestSupport
import TradingCore
import TradingEngine

@Suite("orchestrator feedback")
struct FeedbackCommandTests {
    @Test("score stores the due outcomes once, report shows them, optimize tunes; JSON keys are stable")
    func scoreReportOptimize() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        // The store the CLI opens under --data-dir, filled the way `run` fills it: bars and forecasts.
        let store = SQLStore(database: try SQLiteDatabase(path: directory.file("orchestrator.sqlite")), clock: FixedClock())
        try await store.migrate()
        let origin = Timestamp(iso8601: "2024-01-01T00:00:00Z")!
        let bars = try (0..<40).map { index in
            let close = Price(FixedDecimal(100 + index % 3))
            return try Bar(openTime: origin.adding(milliseconds: Int64(index) * 3_600_000), open: close, high: close, low: close, close: close, volume: nil)
        }
        _ = try await store.importBars(BarImportBatch(instrument: Instrument(symbol: Symbol("ABC")!, assetClass: .equity, quoteCurrency: "USD"),
                                                      timeframe: .oneHour, kind: .ohlcv, bars: bars, source: "test"))
        let records = (5..<35).map { bar in
            let dataTime = origin.adding(milliseconds: Int64(bar + 1) * 3_600_000)
            return ForecastRecord(id: nil, symbol: Symbol("ABC")!, timeframe: .oneHour, horizon: "1h", horizonMilliseconds: 3_600_000, decisionTime: dataTime,
                                  dataTime: dataTime, targetTime: dataTime.adding(milliseconds: 3_600_000), referenceClose: "\(100 + bar % 3)",
                                  expectedLogReturn: 0, probabilityUp: bar % 3 == 2 ? 0.3 : 0.7, volatility: 0.01, intervalLow: -0.0128,
                                  intervalHigh: 0.0128, returnModel: "baseline_mean", directionModel: "logistic", volatilityModel: "garch",
                                  modelVersion: "forecaster-1", createdAt: dataTime)
        }
        #expect(try await store.recordForecasts(records).count == 30)
        try await store.close()

        let scored = try await CommandLineTests.run(["feedback", "score", "--format", "json", "--data-dir", directory.path])
        #expect(scored.status == 0, "\(scored.error)")
        let first = try #require(try JSONSerialization.jsonObject(with: Data(scored.output.utf8)) as? [String: Any])
        #expect(first["scored"] as? Int == 30 && first["successes"] as? Int == 30 && first["failures"] as? Int == 0)
        for key in ["examined", "waiting", "unscorable", "drifts"] { #expect(first[key] != nil, "\(key)") }
        let again = try await CommandLineTests.run(["feedback", "score", "--format", "json", "--data-dir", directory.path])
        #expect((try JSONSerialization.jsonObject(with: Data(again.output.utf8)) as? [String: Any])?["scored"] as? Int == 0)
        let report = try await CommandLineTests.run(["feedback", "report", "--format", "json", "--data-dir", directory.path])
        let status = try #require(try JSONSerialization.jsonObject(with: Data(report.output.utf8)) as? [String: Any])
        #expect(status["learning_cycles"] as? Int == 1 && (status["outcomes"] as? [String: Any])?["success"] as? Int == 30)
        let table = try await CommandLineTests.run(["feedback", "report", "--data-dir", directory.path])
        #expect(table.status == 0 && table.output.contains("learning cycles"))
        let optimized = try await CommandLineTests.run(["feedback", "optimize", "--format", "json", "--data-dir", directory.path])
        #expect(optimized.status == 0, "\(optimized.error)")
        #expect(((try JSONSerialization.jsonObject(with: Data(optimized.output.utf8)) as? [String: Any])?["changes"] as? [Any])?.count == 1)
    }

    @Test("signatures lists the stored subjects worst first as JSON and as a table, one kind when asked; a bad kind or limit is refused")
    func signatures() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = SQLStore(database: try SQLiteDatabase(path: directory.file("orchestrator.sqlite")), clock: FixedClock())
        try await store.migrate()
        let empty = try await CommandLineTests.run(["feedback", "signatures", "--data-dir", directory.path])
        #expect(empty.status == 0 && empty.output.contains("no signature yet"), "\(empty.error)")
        let now = Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000))
        func cell(_ kind: SystemSubjectKind, _ subject: String, failed: Int) -> StoredSignatureCell {
            var cell = SystemSignatureCell()
            for index in 0..<200 { cell.add(milliseconds: 4, failed: index < failed) }
            return StoredSignatureCell(kind: kind, subject: subject, observer: "h/api:8080", slot: SystemSignature.Slot(hour: 1, load: 3), cell: cell, updatedAt: now)
        }
        try await store.saveSystemSignatureCells([cell(.route, "GET /api/v1/status", failed: 0), cell(.job, "backtest", failed: 20)])
        try await store.close()
        let listed = try await CommandLineTests.run(["feedback", "signatures", "--format", "json", "--data-dir", directory.path])
        #expect(listed.status == 0, "\(listed.error)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [String: Any])
        let signatures = try #require(document["signatures"] as? [[String: Any]])
        #expect(signatures.map { $0["subject"] as? String } == ["backtest", "GET /api/v1/status"])
        for key in ["kind", "observers", "operations", "success_rate", "p50_ms", "p95_ms", "p99_ms", "by_hour", "by_load", "anomalies"] {
            #expect(signatures[0][key] != nil, "\(key)")
        }
        let table = try await CommandLineTests.run(["feedback", "signatures", "--kind", "route", "--data-dir", directory.path])
        #expect(table.status == 0 && table.output.contains("GET /api/v1/status") && !table.output.contains("backtest"))
        #expect(table.output.contains("100.00 %"))
        for bad in [["--kind", "queue"], ["--limit", "0"]] {
            #expect(try await CommandLineTests.run(["feedback", "signatures"] + bad + ["--data-dir", directory.path]).status == 64, "\(bad)")
        }
    }

    @Test("a P&L anomaly is a return far outside the account's own recent spread, in either direction, and at least a quarter percent", arguments: [
        (0.004, 0.0, false), (0.004, 0.012, false), (0.004, 0.08, true), (0.004, -0.08, true),
        // A calm account (steps of 0.01 %): 0.1 % is far outside its spread but too small to be worth a look; 0.3 % is not.
        (0.0001, 0.001, false), (0.0001, -0.001, false), (0.0001, 0.003, true), (0.0001, -0.003, true),
    ])
    func pnlAnomaly(usualStep: Double, newestReturn: Double, flagged: Bool) {
        var equity = [100_000.0]
        for index in 0..<40 { equity.append(equity.last! * (1 + (index % 2 == 0 ? usualStep : -0.75 * usualStep))) }
        equity.append(equity.last! * (1 + newestReturn))
        #expect((FeedbackCommands.pnlAnomaly(equity: equity) != nil) == flagged)
        #expect(FeedbackCommands.pnlAnomaly(equity: Array(equity.prefix(5))) == nil)
    }

    @Test("simulate reports drifts, verdicts and both systems' scores; a bad file or option is refused")
    func simulate() async throws {
        let file = TestEnvironment.sampleDataDirectory.appendingPathComponent("BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv").path
        let result = try await CommandLineTests.run(["feedback", "simulate", "--data", file, "--fit-time", "2017-12-17T00:00:00Z", "--end", "2018-02-15T00:00:00Z",
                                               "--horizon", "1h", "--shadow", "200", "--format", "json"])
        #expect(result.status == 0, "\(result.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        for key in ["bars", "scored", "detections", "evaluations", "signals", "adapted_log_score", "frozen_log_score", "frozen_minus_adapted", "promotions"] {
            #expect(json[key] != nil, "\(key)")
        }
        #expect((json["scored"] as? Int ?? 0) > 1000)
        #expect(try await CommandLineTests.run(["feedback", "simulate", "--data", "/nonexistent.csv", "--fit-time", "2017-12-17T00:00:00Z"]).status == 66)
        #expect(try await CommandLineTests.run(["feedback", "simulate", "--data", file, "--fit-time", "2017-12-17T00:00:00Z", "--shadow", "5"]).status == 64)
        #expect(try await CommandLineTests.run(["feedback", "simulate", "--data", file, "--fit-time", "someday"]).status == 64)
    }
}
