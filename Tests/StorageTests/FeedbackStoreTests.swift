import FeedbackLoop
import Foundation
import Storage
import Testing
import TradingCore
import TradingEngine

@Suite("Feedback store: each forecast scored once when its horizon ends, one transaction per cycle, reset keeps the trading records")
struct FeedbackStoreTests {
    static let btc = Instrument(symbol: Symbol("BTC-USD")!, assetClass: .crypto, quoteCurrency: "USD")

    /// 300 hourly bars with closes 100, 101, … and forecasts at the closes of bars 259…298 for 1 h
    /// and 4 h; even ones say up (P 0.6), odd ones down (P 0.4).
    static func prepare(_ store: SQLStore, instrument: Instrument = btc) async throws -> [ForecastRecord] {
        _ = try await store.importBars(BarImportBatch(instrument: instrument, timeframe: .oneHour, kind: .ohlcv, bars: try hourlyBars(count: 300), source: "test.csv"))
        let origin = Timestamp(iso8601: "2024-01-01T00:00:00Z")!
        var records: [ForecastRecord] = []
        for bar in 259..<299 {
            let dataTime = origin.adding(milliseconds: Int64(bar + 1) * 3_600_000)
            for (horizon, milliseconds) in [("1h", Int64(3_600_000)), ("4h", Int64(14_400_000))] {
                let probability = bar % 2 == 0 ? 0.6 : 0.4
                records.append(ForecastRecord(
                    id: nil, symbol: instrument.symbol, timeframe: .oneHour, horizon: horizon, horizonMilliseconds: milliseconds, decisionTime: dataTime,
                    dataTime: dataTime, targetTime: dataTime.adding(milliseconds: milliseconds), referenceClose: "\(100 + bar)", expectedLogReturn: 0.001,
                    probabilityUp: probability, volatility: 0.01, intervalLow: -0.0118, intervalHigh: 0.0138, returnModel: "ridge",
                    directionModel: "logistic", volatilityModel: "garch", modelVersion: "forecaster-1", createdAt: dataTime))
            }
        }
        return try await store.recordForecasts(records)
    }

    /// The close time of bar `index`.
    static func close(ofBar index: Int) -> Timestamp { Timestamp(iso8601: "2024-01-01T00:00:00Z")!.adding(milliseconds: Int64(index + 1) * 3_600_000) }

    @Test("predictive alerts are kept, read back, scored once and summed up by kind on every backend", arguments: Backend.available)
    func predictiveAlerts(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            _ = try await Self.prepare(fixture.store)
            let cycle = FeedbackCycle(store: fixture.store)
            // Closes rising by 1 a bar: a 1 h volatility of 0.01 is far above the recent scale (about 0.0037 a bar) and puts
            // 20 % on a fall of twice it; at 4 h neither holds; the expected return (10 bp) does not beat the cost.
            let report = try await cycle.predictiveAlerts(now: Self.close(ofBar: 299))
            #expect(report.examined == 80)
            let alerts = try await fixture.store.predictiveAlerts(limit: 10)
            #expect(Set(alerts.map { "\($0.kind.rawValue) \($0.horizon)" }) == ["volatility_spike 1h", "drawdown_risk 1h"])
            #expect(alerts.allSatisfy { $0.raisedAt == Self.close(ofBar: 259) && $0.lastSeen == Self.close(ofBar: 298) && $0.isOpen })
            #expect(try await fixture.store.openPredictiveAlerts().count == 2)
            // Raised at bar 259's close and due at bar 260's: scored at the next step (a step scores the alerts stored before it),
            // each a miss against a base rate of 0 over the 9 origins with a scale.
            #expect(alerts.allSatisfy { $0.outcome == nil })
            let next = try await cycle.predictiveAlerts(now: Self.close(ofBar: 299))
            #expect(next.examined == 0 && next.scored == 2)
            let scored = try await fixture.store.predictiveAlerts(limit: 10)
            #expect(scored.allSatisfy { $0.outcome?.hit == false && $0.outcome?.baseRate == 0 && $0.outcome?.baseRateOrigins == 9 })
            #expect(try await fixture.store.duePredictiveAlerts(targetBy: Self.close(ofBar: 299), limit: 10).isEmpty)
            let summaries = try await fixture.store.predictiveAlertSummaries()
            #expect(summaries.map(\.kind) == PredictiveAlertRules.Kind.allCases)
            #expect(summaries.filter { $0.raised > 0 }.allSatisfy { $0.raised == 1 && $0.scored == 1 && $0.hits == 0 && $0.meanBaseRate == 0 })
            #expect(summaries.first { $0.kind == .opportunity }?.raised == 0)
            // A reset forgets them with the rest of the learned state.
            _ = try await fixture.store.resetLearnedState()
            #expect(try await fixture.store.predictiveAlerts(limit: 10).isEmpty)
        }
    }

    @Test("a cycle scores only forecasts whose target bar is stored, with the exact realised close, and never twice", arguments: Backend.available)
    func scoring(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let forecasts = try await Self.prepare(fixture.store)
            #expect(forecasts.count == 80)
            // A forecast whose data time is no bar's close can never be scored: flagged once, then left alone.
            let orphan = forecasts[0]
            let stray = Self.close(ofBar: 200).adding(milliseconds: 1_800_000)
            #expect(try await fixture.store.recordForecasts([ForecastRecord(
                id: nil, symbol: orphan.symbol, timeframe: .oneHour, horizon: "1h", horizonMilliseconds: 3_600_000, decisionTime: stray, dataTime: stray,
                targetTime: stray.adding(milliseconds: 3_600_000), referenceClose: "300", expectedLogReturn: 0, probabilityUp: 0.6, volatility: 0.01,
                intervalLow: -0.01, intervalHigh: 0.01, returnModel: "ridge", directionModel: "logistic", volatilityModel: "garch",
                modelVersion: "forecaster-1", createdAt: stray)]).count == 1)
            let cycle = FeedbackCycle(store: fixture.store)
            // Before any real target: only the stray one is due.
            let early = try await cycle.score(now: Self.close(ofBar: 259))
            #expect(early.examined == 1 && early.scored == 0 && early.unscorable == 1, "only the stray forecast is due, and it is flagged")
            // The bars end at 299: forecasts of bars 259…298 for 1 h are all due; 4 h ones those of bars 259…295.
            let report = try await cycle.score(now: Self.close(ofBar: 400))
            #expect(report.examined == 80 && report.scored == 40 + 37 && report.waiting == 3 && report.unscorable == 0)
            #expect(report.successes == 20 + 18 && report.failures == 20 + 19)
            let outcomes = try await fixture.store.outcomes(limit: 1000)
            #expect(outcomes.count == 77)
            let first = try #require(outcomes.first { $0.horizon == "4h" && $0.dataTime == Self.close(ofBar: 259) })
            #expect(first.realisedClose == "363" && first.realisedTime == Self.close(ofBar: 263))
            #expect(abs(first.outcome.realisedLogReturn - log(363.0 / 359.0)) < 1e-15)
            #expect(first.signature.regime == "BULL" && first.source == .market && first.model == "forecaster-1")
            // The waiting ones stay unscored; nothing already scored comes back.
            let again = try await cycle.score(now: Self.close(ofBar: 400))
            #expect(again.examined == 3 && again.scored == 0 && again.waiting == 3)
            let state = try await fixture.store.feedbackState()
            #expect(state["cycles"] == "1")
            #expect(state["drift:BTC-USD:1h:1h"] != nil && state["drift:BTC-USD:1h:4h"] != nil)
        }
    }

    @Test("outcomes posted from outside go through their stream's drift detector at the loop's next turn, once: a run of bad ones raises a drift and a challenger",
          arguments: Backend.available)
    func externalOutcomesFeedTheDetector(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let forecasts = try await Self.prepare(fixture.store).filter { $0.horizon == "1h" }.sorted { $0.dataTime < $1.dataTime }
            let cycle = FeedbackCycle(store: fixture.store)
            let now = Self.close(ofBar: 400)
            // 32 closes where the forecasts put them, then 8 at half the price: far outside every interval.
            for (index, forecast) in forecasts.enumerated() {
                let reference = try #require(Double(forecast.referenceClose))
                let close = String(format: "%.6f", index < 32 ? reference * exp(0.001) : reference / 2)
                _ = try await cycle.recordExternalOutcome(forecastId: try #require(forecast.id), realisedClose: close, observedAt: forecast.targetTime, now: now)
            }
            #expect(try await fixture.store.undetectedOutcomes(limit: 100).map(\.timeframe) == Array(repeating: "1h", count: 40))
            #expect(try await fixture.store.feedbackState()["drift:BTC-USD:1h:1h"] == nil, "posting fed no detector")
            let report = try await cycle.score(now: now)
            #expect(report.drifts.contains { $0.symbol == "BTC-USD" && $0.timeframe == "1h" && $0.horizon == "1h" }, "\(report.drifts)")
            #expect(try await fixture.store.undetectedOutcomes(limit: 100).isEmpty)
            #expect(try await fixture.store.modelVersions().contains { $0.role == .challenger && $0.name.hasPrefix("BTC-USD 1h 1h") })
            // The next turn feeds nothing again: the detector's state is what the first left.
            let state = try await fixture.store.feedbackState()["drift:BTC-USD:1h:1h"]
            let again = try await cycle.score(now: now)
            #expect(again.drifts.isEmpty)
            #expect(try await fixture.store.feedbackState()["drift:BTC-USD:1h:1h"] == state)
        }
    }

    @Test("two processes scoring at once store each outcome once", arguments: Backend.available)
    func concurrentCycles(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            _ = try await Self.prepare(fixture.store)
            let other = try await fixture.openAnother()
            async let a = FeedbackCycle(store: fixture.store).score(now: Self.close(ofBar: 400))
            async let b = FeedbackCycle(store: other).score(now: Self.close(ofBar: 400))
            let (first, second) = try await (a, b)
            #expect(first.scored + second.scored == 77)
            #expect(try await fixture.store.outcomes(limit: 1000).count == 77)
            try await other.close()
        }
    }

    @Test("outcomes read or handed a page at a time are the newest within the limit, as one read gives them, newest or oldest first, no page longer than asked", arguments: Backend.available)
    func outcomePages(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            _ = try await Self.prepare(fixture.store)
            _ = try await FeedbackCycle(store: fixture.store).score(now: Self.close(ofBar: 400))
            let whole = try await fixture.store.outcomes(limit: 1000, perQuery: 1000)
            #expect(whole.count == 77)
            for (limit, perQuery) in [(1000, 10), (77, 77), (76, 10), (25, 10), (30, 7), (1, 5), (0, 5)] {
                let newest = Array(whole.prefix(limit))
                #expect(try await fixture.store.outcomes(limit: limit, perQuery: perQuery) == newest)
                for oldestFirst in [false, true] {
                    var pages: [[StoredOutcome]] = []
                    try await fixture.store.forEachOutcomePage(newest: limit, oldestFirst: oldestFirst, perQuery: perQuery) { pages.append($0) }
                    #expect(pages.flatMap { $0 } == (oldestFirst ? newest.reversed() : newest), "limit \(limit), \(perQuery) a page, oldest first \(oldestFirst)")
                    #expect(pages.allSatisfy { !$0.isEmpty && $0.count <= perQuery })
                }
            }
        }
    }

    @Test("outcomes chosen by symbol and verdict are the newest of that choice, page by page and oldest or newest first, as the whole read filtered gives them",
          arguments: Backend.available)
    func outcomePagesChosen(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            let eth = Instrument(symbol: Symbol("ETH-USD")!, assetClass: .crypto, quoteCurrency: "USD")
            _ = try await Self.prepare(fixture.store)
            _ = try await Self.prepare(fixture.store, instrument: eth)
            _ = try await FeedbackCycle(store: fixture.store).score(now: Self.close(ofBar: 400))
            let whole = try await fixture.store.outcomes(limit: 1000, perQuery: 1000)
            #expect(whole.count == 154)
            for symbol in [nil, Self.btc.symbol, eth.symbol, Symbol("SOL-USD")!] {
                for verdict in [nil, LearningSignal.Kind.success, .failure] {
                    let chosen = whole.filter { (symbol == nil || $0.symbol == symbol) && (verdict == nil || $0.outcome.verdict == verdict) }
                    #expect(symbol == Symbol("SOL-USD")! || !chosen.isEmpty, "the fixture has outcomes of \(String(describing: symbol)) \(String(describing: verdict))")
                    for (limit, perQuery) in [(1000, 7), (20, 6), (1, 5)] {
                        let newest = Array(chosen.prefix(limit))
                        for oldestFirst in [false, true] {
                            var pages: [[StoredOutcome]] = []
                            try await fixture.store.forEachOutcomePage(newest: limit, symbol: symbol, verdict: verdict, oldestFirst: oldestFirst, perQuery: perQuery) {
                                pages.append($0)
                            }
                            #expect(pages.flatMap { $0 } == (oldestFirst ? newest.reversed() : newest),
                                    "\(String(describing: symbol)) \(String(describing: verdict)), limit \(limit), \(perQuery) a page, oldest first \(oldestFirst)")
                            #expect(pages.allSatisfy { !$0.isEmpty && $0.count <= perQuery })
                        }
                    }
                    if let verdict, symbol == nil {
                        #expect(try await fixture.store.outcomes(verdict: verdict, limit: 30) == Array(chosen.prefix(30)))
                    }
                }
            }
        }
    }

    @Test("threshold tuning stores the threshold and an OPTIMIZATION signal with its evidence; reset clears only learned state", arguments: Backend.available)
    func optimizationAndReset(backend: Backend) async throws {
        try await withStore(backend) { (fixture: StoreFixture) async throws in
            _ = try await Self.prepare(fixture.store)
            let cycle = FeedbackCycle(store: fixture.store)
            _ = try await cycle.score(now: Self.close(ofBar: 400))
            var tuner = ConfidenceThresholdTuner()
            tuner.minimumDecisions = 10
            tuner.costPerDecision = 0
            let changes = try await cycle.optimizeThresholds(now: Self.close(ofBar: 401), tuner: tuner)
            #expect(changes.map(\.horizon) == ["1h", "4h"])
            let thresholds = try await fixture.store.thresholds()
            #expect(thresholds.count == 2)
            let signals = try await fixture.store.learningSignals(limit: 10)
            #expect(signals.count == changes.filter(\.decision.changed).count)
            for signal in signals {
                #expect(signal.kind == .optimization && signal.evidence["threshold_before"] != nil && signal.evidence["threshold_after"] != nil)
            }
            #expect(try await fixture.store.feedbackState()["cycles"] == "2")
            // With enough outcomes per regime (all of these are BULL), each regime gets its own threshold too.
            let regimes = try await cycle.optimizeThresholds(now: Self.close(ofBar: 402), tuner: tuner, minimumRegimeOutcomes: 20)
            #expect(regimes.map(\.horizon) == ["1h", "1h@BULL", "4h", "4h@BULL"])
            let stored = try await fixture.store.thresholds().map { ($0.horizon, $0.threshold, $0.tunedThrough) }
            let tuned = try #require(ConfidenceThresholds.from(stored, horizon: "4h"))
            #expect(tuned.byRegime.keys.sorted() == ["BULL"] && tuned.threshold(regime: "BEAR") == tuned.base)
            // Tuned on outcomes up to the close of bar 299: a replay at an earlier bar may not use them.
            #expect(ConfidenceThresholds.from(stored, horizon: "4h", knownBy: Self.close(ofBar: 298)) == nil)
            #expect(ConfidenceThresholds.from(stored, horizon: "4h", knownBy: Self.close(ofBar: 299)) == tuned)
            let reset = try await fixture.store.resetLearnedState()
            #expect(reset.outcomes == 77 && reset.thresholds == 4)
            let outcomesAfter = try await fixture.store.outcomes(limit: 10), thresholdsAfter = try await fixture.store.thresholds()
            #expect(outcomesAfter.isEmpty && thresholdsAfter.isEmpty)
            #expect(try await fixture.store.forecasts(symbol: Self.btc.symbol, limit: 100).count == 80, "forecasts are not learned state")
            #expect(try await cycle.score(now: Self.close(ofBar: 400)).scored == 77, "after a reset the forecasts are scored again")
        }
    }
}
