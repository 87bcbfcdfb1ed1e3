import FeedbackLoop
import Foundation
import HTTPServer
import Prediction
import SecuritySupervisor
import Storage
import Synchronization
import Testing
import TestSupport
import TradingCore
import TradingEngine
@testable import Orchestrator

@Suite("Predictive alerts kept once per condition, pushed as supervisor alerts, and scored against their base rate")
struct PredictiveAlertCycleTests {
    @Test("consecutive forecasts with a condition make one alert, closed when it stops; each is scored when its horizon has closed; open ones are pushed, ended ones resolved")
    func keptPushedScored() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let symbol = Symbol("BTC-USD")!
        let end = Timestamp(iso8601: "2018-01-01T00:00:00Z")!
        let (store, bars) = try await SampleStore.bitcoinHourly(in: directory, before: end)
        let series = try #require(try await store.analyticSeries(symbol: symbol, timeframe: .oneHour, start: nil, end: end)).series
        let closes = Array(series.asOf(series.closeTime(ofBar: series.count - 1)).closes)
        // Forecasts of the 4 h stream at bars 3000…3006: a volatility far above the recent scale at 3000–3002 and 3005–3006, a quiet one between.
        let loud: Set<Int> = [3000, 3001, 3002, 3005, 3006]
        let records = (3000...3006).map { index -> ForecastRecord in
            let time = series.closeTime(ofBar: index), sigma = loud.contains(index) ? 0.5 : 0.0001
            return ForecastRecord(id: nil, symbol: symbol, timeframe: .oneHour, horizon: "4h", horizonMilliseconds: 4 * 3_600_000, decisionTime: time, dataTime: time,
                                  targetTime: time.adding(milliseconds: 4 * 3_600_000), referenceClose: bars[index].close.description, expectedLogReturn: 0,
                                  probabilityUp: 0.5, volatility: sigma, intervalLow: -1.28 * sigma, intervalHigh: 1.28 * sigma, returnModel: "baseline_mean",
                                  directionModel: "baseline_climatology", volatilityModel: "garch", modelVersion: Forecaster.modelVersion, createdAt: time)
        }
        _ = try await store.recordForecasts(records)
        let cycle = FeedbackCycle(store: store)
        // Before any horizon has closed: raised and closed, nothing scored.
        let first = try await cycle.predictiveAlerts(now: series.closeTime(ofBar: 3003))
        #expect(first.examined == 7 && first.scored == 0)
        let stored = try await store.predictiveAlerts(limit: 10)
        // Two conditions (a volatility spike and a drawdown risk), each raised twice: once at 3000 and again at 3005.
        #expect(stored.count == 4)
        for kind in [PredictiveAlertRules.Kind.volatilitySpike, .drawdownRisk] {
            let alerts = stored.filter { $0.kind == kind }.sorted { $0.raisedAt < $1.raisedAt }
            #expect(alerts.map(\.raisedAt) == [series.closeTime(ofBar: 3000), series.closeTime(ofBar: 3005)])
            #expect(alerts.map(\.lastSeen) == [series.closeTime(ofBar: 3002), series.closeTime(ofBar: 3006)], "seen again, not raised again")
            #expect(alerts.map(\.isOpen) == [false, true], "the first ended at the quiet forecast")
        }
        // Pushed by the loop's turn: the open ones as WARNING supervisor alerts of source prediction, each new one to the webhook once.
        let delivered = Delivered()
        _ = try await FeedbackCommands.turn(store, now: series.closeTime(ofBar: 3003), judge: false,
                                            deliver: { alert in delivered.fingerprints.withLock { $0.append(alert.fingerprint) } })
        let pushed = try await store.securityAlerts(includeResolved: false, limit: 10).filter { $0.source == .prediction }
        #expect(Set(pushed.map(\.fingerprint)) == ["prediction:volatility_spike:BTC-USD:1h:4h", "prediction:drawdown_risk:BTC-USD:1h:4h"])
        #expect(Set(delivered.fingerprints.withLock { $0 }) == Set(pushed.map(\.fingerprint)))
        #expect(try await FeedbackCommands.pushPredictiveAlerts(store, now: series.closeTime(ofBar: 3003)).isEmpty, "seen again: not raised again")
        #expect(pushed.allSatisfy { $0.level == .warning })
        // Later: every horizon has closed; each alert is scored on the 4 bars after its claim, with the base rate before it.
        let later = series.closeTime(ofBar: 3020)
        let second = try await cycle.predictiveAlerts(now: later)
        #expect(second.examined == 0 && second.scored == 4, "the forecasts are looked at once")
        for alert in try await store.predictiveAlerts(limit: 10) {
            let outcome = try #require(alert.outcome)
            let index = try #require((0..<series.count).first { series.closeTime(ofBar: $0) == alert.raisedAt })
            #expect(abs(outcome.realisedLogReturn - log(closes[index + 4] / closes[index])) < 1e-12)
            #expect(outcome.hit == PredictiveAlertRules.happened(alert.kind, closes: closes, at: index, bars: 4, scale: alert.scale))
            let base = try #require(PredictiveAlertRules.baseRate(alert.kind, closes: closes, before: index, bars: 4))
            #expect(outcome.baseRate == base.rate && outcome.baseRateOrigins == 2000)
        }
        #expect(try await cycle.predictiveAlerts(now: later).scored == 0, "scored once")
        // The performance document: each kind's hit rate beside its base rate.
        let summaries = try await store.predictiveAlertSummaries()
        #expect(summaries.map(\.kind) == PredictiveAlertRules.Kind.allCases)
        #expect(summaries.first { $0.kind == .volatilitySpike }.map { ($0.raised, $0.scored) } ?? (0, 0) == (2, 2))
        #expect(summaries.first { $0.kind == .opportunity }.map { ($0.raised, $0.meanBaseRate == nil) } ?? (1, false) == (0, true))
        let document = try await Representations.feedbackPerformance(store, horizon: nil, symbol: nil, model: nil, window: 250)
        #expect(document["alerts"]?.arrayValue?.first?.objectKeys == ["kind", "raised", "scored", "hits", "hit_rate", "base_rate"])
        // A quiet forecast ends the open conditions: their supervisor alerts are resolved.
        let quiet = series.closeTime(ofBar: 3007)
        _ = try await store.recordForecasts([ForecastRecord(
            id: nil, symbol: symbol, timeframe: .oneHour, horizon: "4h", horizonMilliseconds: 4 * 3_600_000, decisionTime: quiet, dataTime: quiet,
            targetTime: quiet.adding(milliseconds: 4 * 3_600_000), referenceClose: bars[3007].close.description, expectedLogReturn: 0, probabilityUp: 0.5,
            volatility: 0.0001, intervalLow: -0.0001, intervalHigh: 0.0001, returnModel: "baseline_mean", directionModel: "baseline_climatology",
            volatilityModel: "garch", modelVersion: Forecaster.modelVersion, createdAt: quiet)])
        _ = try await cycle.predictiveAlerts(now: later)
        try await FeedbackCommands.pushPredictiveAlerts(store, now: later)
        #expect(try await store.openPredictiveAlerts().isEmpty)
        #expect(try await store.securityAlerts(includeResolved: false, limit: 10).filter { $0.source == .prediction }.isEmpty)
        // A forecast no newer than one its stream had — a second model version's of bar 3007, or one of bar 2990 stored late — is
        // no claim; a newer one is.
        let loudForecast = { (index: Int, version: String) in
            ForecastRecord(id: nil, symbol: symbol, timeframe: .oneHour, horizon: "4h", horizonMilliseconds: 4 * 3_600_000, decisionTime: series.closeTime(ofBar: index),
                           dataTime: series.closeTime(ofBar: index), targetTime: series.closeTime(ofBar: index).adding(milliseconds: 4 * 3_600_000),
                           referenceClose: bars[index].close.description, expectedLogReturn: 0, probabilityUp: 0.5, volatility: 0.5, intervalLow: -0.64,
                           intervalHigh: 0.64, returnModel: "baseline_mean", directionModel: "baseline_climatology", volatilityModel: "garch",
                           modelVersion: version, createdAt: later)
        }
        _ = try await store.recordForecasts([loudForecast(2990, Forecaster.modelVersion), loudForecast(3007, "BTC-USD 1h 4h fitted 2017-11-01T00:00:00Z")])
        let behind = try await cycle.predictiveAlerts(now: later)
        #expect(behind.examined == 2 && behind.raised.isEmpty)
        _ = try await store.recordForecasts([loudForecast(3008, Forecaster.modelVersion)])
        #expect(try await cycle.predictiveAlerts(now: later).raised.count == 2)
        // A stream that makes no forecast for two horizons does not keep its alerts open.
        _ = try await cycle.predictiveAlerts(now: series.closeTime(ofBar: 3008).adding(milliseconds: 60 * 3_600_000))
        #expect(try await store.openPredictiveAlerts().isEmpty)
    }
}

/// The fingerprints handed to a webhook.
final class Delivered: Sendable {
    let fingerprints = Mutex<[String]>([])
}
