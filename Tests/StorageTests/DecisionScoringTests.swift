import FeedbackLoop
import Foundation
import Storage
import Testing
import TradingCore
import TradingEngine

@Suite("Decision outcomes: every fill scored once over its account's decision interval, in fixed point")
struct DecisionScoringTests {
    @Test("fills of a run are scored at the close h bars after their bar, net of fees; nothing twice or read again; reset clears them", arguments: Backend.available)
    func decisions(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let bars = try TradingStoreConformanceTests.bars()
            for (symbol, series) in bars {
                _ = try await fixture.store.importBars(BarImportBatch(instrument: Instrument(symbol: symbol, assetClass: .equity, quoteCurrency: "USD"),
                                                                      timeframe: .oneHour, kind: .ohlcv, bars: series, source: "test"))
            }
            try await TradingStoreConformanceTests.runner(fixture.store, account: "scored").run()
            let fills = try await fixture.store.tradingFills(account: "scored", limit: 1000)
            #expect(fills.count > 10)
            let cycle = FeedbackCycle(store: fixture.store)
            let report = try await cycle.scoreDecisions(now: Timestamp(iso8601: "2030-01-01T00:00:00Z")!)
            #expect(report.examined == fills.count && report.scored + report.waiting == fills.count && report.unscorable == 0)
            #expect(report.scored > 10 && report.successes + report.failures == report.scored)
            let stored = try await fixture.store.decisionOutcomes(limit: 1000)
            #expect(stored.count == report.scored && stored.allSatisfy { $0.horizonBars == 5 })
            // One by hand: filled at the open of its bar, held 5 bars, marked at the close of the fifth; the P&L exact.
            let decision = try #require(stored.last)
            let fill = try #require(fills.first { $0.fillID == decision.fillID })
            let series = try #require(bars[fill.symbol])
            let entry = try #require(series.firstIndex { $0.openTime == fill.time })
            #expect(fill.price == series[entry].open.value, "no slippage: the fill is at its bar's open")
            #expect(decision.exitClose == series[entry + 4].close.value.description)
            #expect(decision.exitTime == series[entry + 4].openTime.adding(milliseconds: 3_600_000))
            let move = fill.side == .buy ? series[entry + 4].close.value - fill.price : fill.price - series[entry + 4].close.value
            #expect(decision.outcome.netPnL == (try move.multiplied(by: fill.quantity)) - fill.fee)
            #expect(report.netPnL == stored.reduce(FixedDecimal.zero) { $0 + $1.outcome.netPnL })
            // Nothing is scored twice, and scored fills are not read again (only those still waiting).
            let again = try await cycle.scoreDecisions(now: Timestamp(iso8601: "2030-01-01T00:00:00Z")!)
            #expect(again.scored == 0 && again.examined == report.waiting)
            #expect(try await fixture.store.unscoredFills(limit: 1000).count == report.waiting)
            #expect(try await fixture.store.resetLearnedState().decisions == report.scored)
            // A reset makes every fill due again.
            #expect(try await fixture.store.unscoredFills(limit: 1000).count == fills.count)
            #expect(try await fixture.store.tradingFills(account: "scored", limit: 1000).count == fills.count, "fills are never learned state")
        }
    }

    @Test("a fill is scored against the bar it falls in: at the bar's open (a backtest) or during it (a venue's fill time)", arguments: [
        ("2026-12-18T09:10:00Z", "5m", "2026-12-18T09:15:00Z"),
        ("2026-12-18T09:10:04.163Z", "5m", "2026-12-18T09:15:00Z"),
        ("2026-12-18T09:14:59.999Z", "5m", "2026-12-18T09:15:00Z"),
        ("2024-01-01T00:00:00Z", "1h", "2024-01-01T01:00:00Z"),
        ("2024-01-01T00:59:30Z", "1h", "2024-01-01T01:00:00Z"),
        ("1969-12-31T23:30:00Z", "1h", "1970-01-01T00:00:00Z"),
    ])
    func fillsMatchTheirBar(fillTime: String, timeframe: String, entryClose: String) throws {
        let time = try #require(Timestamp(iso8601: fillTime)), length = try #require(Timeframe(rawValue: timeframe))
        #expect(FeedbackCycle.entryCloseTime(ofFillAt: time, timeframe: length) == Timestamp(iso8601: entryClose)?.millisecondsSinceEpoch)
    }

    @Test("the decision interval and timeframe come from the runner's fingerprint", arguments: [
        ("AAA,BBB 1h from 2024-01-01T00:00:00Z, cash 100000, commission 0.001, slippage 0 bp, decisions every 5 bars, SeesawWeights", "1h", 5),
        ("SP500 1d from 1999-01-04T00:00:00Z, cash 1, decisions every 21 bars, x", "1d", 21),
    ])
    func horizon(fingerprint: String, timeframe: String, bars: Int) throws {
        let parsed = try #require(FeedbackCycle.decisionHorizon(fingerprint: fingerprint))
        #expect(parsed.timeframe.rawValue == timeframe && parsed.bars == bars)
        #expect(FeedbackCycle.decisionHorizon(fingerprint: "f") == nil)
    }
}
