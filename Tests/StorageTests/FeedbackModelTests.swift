import FeedbackLoop
import Foundation
import Prediction
import Storage
import Testing
import TestSupport
import TradingCore
import TradingEngine

@Suite("Model versions: a challenger is judged on its forward shadow period and promoted only when better")
struct FeedbackModelTests {
    @Test("a stored challenger of 2018-01-17 is promoted with the simulation's exact numbers; the old champion is kept as RETIRED")
    func challengerTrial() async throws {
        try await withStore(.sqlite) { (fixture: StoreFixture) async throws in
            let url = TestEnvironment.sampleDataDirectory.appendingPathComponent("BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv")
            let end = Timestamp(iso8601: "2018-03-15T00:00:00Z")!
            let bars = try BarFileParser(timeframe: .oneHour).parseOHLCV([UInt8](Data(contentsOf: url)), fileName: url.lastPathComponent).bars.filter { $0.openTime < end }
            _ = try await fixture.store.importBars(BarImportBatch(instrument: Instrument(symbol: Symbol("BTC-USD")!, assetClass: .crypto, quoteCurrency: "USD"),
                                                                  timeframe: .oneHour, kind: .ohlcv, bars: bars, source: "sample"))
            let champion = FeedbackCycle.ModelSpecification(symbol: "BTC-USD", timeframe: "1h", horizon: "4h", fittedAt: Timestamp(iso8601: "2017-12-17T00:00:00Z")!)
            let challenger = FeedbackCycle.ModelSpecification(symbol: "BTC-USD", timeframe: "1h", horizon: "4h", fittedAt: Timestamp(iso8601: "2018-01-17T10:00:00Z")!)
            var commit = FeedbackCommit()
            commit.models = [
                ModelVersionRecord(name: champion.name, role: .champion, parameters: champion.json, createdAt: champion.fittedAt, promotedAt: champion.fittedAt),
                ModelVersionRecord(name: challenger.name, role: .challenger, parameters: challenger.json, createdAt: challenger.fittedAt, promotedAt: nil),
            ]
            try await fixture.store.commitFeedback(commit, at: challenger.fittedAt)
            let cycle = FeedbackCycle(store: fixture.store)
            // Before 480 shadow forecasts have reached their targets: no verdict, nothing changes.
            #expect(try await cycle.judgeChallengers(now: Timestamp(iso8601: "2018-01-30T00:00:00Z")!).isEmpty)
            let results = try await cycle.judgeChallengers(now: end)
            let result = try #require(results.first)
            // `orchestrator feedback simulate` on the same file decided this challenger the same way (the stored bars come back
            // through decimal text, the file's through FixedDecimal: the scores agree to about 1e-8, not bit for bit).
            #expect(result.verdict.promote && result.verdict.pairs == 480)
            #expect(abs(result.verdict.improvement.mean - 0.053193309743884455) < 1e-6)
            #expect(abs(result.verdict.championScore - -1.9408217855823782) < 1e-6)
            let models = try await fixture.store.modelVersions()
            #expect(models.first { $0.name == challenger.name }?.role == .champion)
            #expect(models.first { $0.name == champion.name }?.role == .retired)
            // Known to lead from the close of the newest bar its trial read (the 480th shadow forecast's target), not before.
            let promoted = try #require(models.first { $0.name == challenger.name }.flatMap { FeedbackCycle.ModelSpecification(json: $0.parameters) })
            #expect(promoted.knownAt == Timestamp(iso8601: "2018-02-06T13:00:00Z")! && promoted.leadsFrom == promoted.knownAt)
            // The promoted champion's models themselves are stored: fitted on the bars closed by its fit time, they forecast
            // bit for bit as a fit made here on the same bars.
            let stored = try #require(try await fixture.store.modelFit(name: challenger.name))
            let parameters = try JSONDecoder().decode(Forecaster.FittedModels.Parameters.self, from: Data(stored.utf8))
            #expect(parameters.fittedAt == challenger.fittedAt && parameters.horizons.map(\.horizon.description) == ["4h"])
            // The series as the loop reads it (through the store's decimal text, as the fit was made).
            let series = try #require(try await fixture.store.analyticSeries(symbol: Symbol("BTC-USD")!, timeframe: .oneHour, start: nil, end: end)).series
            let direct = try Forecaster().fit(series, at: challenger.fittedAt, horizons: [Horizon(parsing: "4h")!]).forecast(series, at: end)
            let restored = try Forecaster.FittedModels(parameters: parameters).forecast(series, at: end)
            #expect(direct.map(\.probabilityUp.bitPattern) == restored.map(\.probabilityUp.bitPattern))
            #expect(direct.map(\.volatility.bitPattern) == restored.map(\.volatility.bitPattern))
            #expect(try await fixture.store.modelFit(name: champion.name) == nil, "the champion stored by hand had no fit; the rule wrote none for it")
            let signal = try #require(try await fixture.store.learningSignals(limit: 5).first)
            #expect(signal.kind == .adaptation && signal.evidence["improvement_low"]! > 0)
            // Judged once: nothing is left in trial.
            #expect(try await cycle.judgeChallengers(now: end).isEmpty)
            // An operator's rollback puts the old champion back and keeps the other for the way forward.
            let back = try await cycle.rollback(stream: "BTC-USD 1h 4h", now: end)
            #expect(back.restored == champion.name && back.retired == challenger.name)
            #expect(try await fixture.store.modelFit(name: challenger.name) == stored, "a rollback keeps the retired version's models")
            let after = try await fixture.store.modelVersions()
            #expect(after.first { $0.name == champion.name }?.role == .champion && after.first { $0.name == challenger.name }?.role == .retired)
            #expect(try await cycle.rollback(stream: "BTC-USD 1h 4h", now: end).restored == challenger.name)
            await #expect(throws: FeedbackCycle.RollbackError.noChampion(stream: "ETH-USD 1h 4h")) {
                try await cycle.rollback(stream: "ETH-USD 1h 4h", now: end)
            }
        }
    }
}
