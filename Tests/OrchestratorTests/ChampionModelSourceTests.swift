import FeedbackLoop
import Foundation
import HTTPServer
import Logging
import Prediction
import Prometheus
import Storage
import Synchronization
import Testing
import TestSupport
import TradingCore
import TradingEngine
@testable import Orchestrator

@Suite("Champion models read from the registry for the trading policy")
struct ChampionModelSourceTests {
    static let symbol = Symbol("BTC-USD")!
    static let end = Timestamp(iso8601: "2018-03-15T00:00:00Z")!

    /// The stored fit of the forecaster on the series' bars closed by `fittedAt`, as the registry keeps it.
    static func fit(_ series: BarSeries, at fittedAt: Timestamp, horizon: String, forecaster: String? = nil) throws -> String {
        let parameters = try #require(try Forecaster().fit(series, at: fittedAt, horizons: [Horizon(parsing: horizon)!]).parameters)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var text = String(decoding: try encoder.encode(parameters), as: UTF8.self)
        if let forecaster { text = text.replacingOccurrences(of: Forecaster.modelVersion, with: forecaster) }
        return text
    }

    /// A champion record of the BTC-USD hourly stream at `horizon`.
    static func champion(_ horizon: String, fittedAt: String, fit: String?) -> ModelVersionRecord {
        let specification = FeedbackCycle.ModelSpecification(symbol: "BTC-USD", timeframe: "1h", horizon: horizon, fittedAt: Timestamp(iso8601: fittedAt)!)
        return ModelVersionRecord(name: specification.name, role: .champion, parameters: specification.json, createdAt: specification.fittedAt,
                                  promotedAt: specification.fittedAt, fit: fit)
    }

    @Test("the champion's stored fit forecasts as the fit itself, carried to the bar time; a fit that does not decode or another forecaster's raises an ERROR alert and its stream keeps the own fit; a change while running is an ADAPTATION signal and a metric")
    func championsFromTheRegistry() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (store, _) = try await SampleStore.bitcoinHourly(in: directory, before: Self.end)
        let series = try #require(try await store.analyticSeries(symbol: Self.symbol, timeframe: .oneHour, start: nil, end: Self.end)).series
        let good = Self.champion("4h", fittedAt: "2017-12-17T00:00:00Z", fit: try Self.fit(series, at: Timestamp(iso8601: "2017-12-17T00:00:00Z")!, horizon: "4h"))
        let undecodable = Self.champion("1h", fittedAt: "2017-12-17T00:00:00Z", fit: "{\"forecaster\": 1")
        let foreign = Self.champion("24h", fittedAt: "2017-12-17T00:00:00Z",
                                    fit: try Self.fit(series, at: Timestamp(iso8601: "2017-12-17T00:00:00Z")!, horizon: "24h", forecaster: "forecaster-0"))
        let unfitted = Self.champion("8h", fittedAt: "2017-12-17T00:00:00Z", fit: nil)
        var commit = FeedbackCommit()
        commit.models = [good, undecodable, foreign, unfitted]
        try await store.commitFeedback(commit, at: Self.end)
        let registry = PrometheusCollectorRegistry()
        let lines = Mutex<[String]>([])
        let source = ChampionModelSource(store: store, account: "paper", symbols: [Self.symbol], timeframe: .oneHour, clock: FixedClock(),
                                         metrics: TradingMetrics(registry: registry), logger: Logger(label: "test"),
                                         announce: { line in lines.withLock { $0.append(line) } })
        let time = Self.end.adding(milliseconds: -100 * 3_600_000)
        let champions = try #require(await source.champions(at: time))
        #expect(champions.map(\.name) == [good.name], "only the usable champion is handed over")
        let champion = try #require(champions.first)
        #expect(champion.knownAt == Timestamp(iso8601: "2017-12-17T00:00:00Z")! && champion.models.fittedAt == time, "carried to the bar time: \(champion.models.fittedAt)")
        // Carried through the stored bars, it forecasts the next bars bit for bit as the fit itself.
        let direct = try Forecaster().fit(series, at: Timestamp(iso8601: "2017-12-17T00:00:00Z")!, horizons: [Horizon(parsing: "4h")!])
        for offset in [0, 1, 50] {
            let view = series.asOf(time.adding(milliseconds: Int64(offset) * 3_600_000))
            #expect(try champion.models.advanced(through: view).forecast(view).map(\.probabilityUp.bitPattern) == direct.forecast(view).map(\.probabilityUp.bitPattern))
            #expect(try champion.models.advanced(through: view).forecast(view).map(\.volatility.bitPattern) == direct.forecast(view).map(\.volatility.bitPattern))
        }
        let alerts = try await store.securityAlerts(includeResolved: false, limit: 50)
        #expect(Set(alerts.filter { $0.level == .error && $0.source == .feedback }.map(\.fingerprint)) == ["model:\(undecodable.name)", "model:\(foreign.name)"])
        #expect(alerts.first { $0.fingerprint == "model:\(foreign.name)" }?.message.contains("forecaster-0") == true, "the alert says why")
        #expect(lines.withLock { $0 } == ["'paper' forecasts BTC-USD 1h 4h with the champion \(good.name)"])
        #expect(try await store.learningSignals(limit: 10).isEmpty, "the first read after a start is no adaptation")
        // A promotion while running: the next read hands the new champion, with a signal and the metric.
        let promoted = Self.champion("4h", fittedAt: "2018-02-01T00:00:00Z", fit: try Self.fit(series, at: Timestamp(iso8601: "2018-02-01T00:00:00Z")!, horizon: "4h"))
        var promotion = FeedbackCommit()
        promotion.models = [promoted, ModelVersionRecord(name: good.name, role: .retired, parameters: good.parameters, createdAt: good.createdAt, promotedAt: nil)]
        try await store.commitFeedback(promotion, at: Self.end)
        #expect(try #require(await source.champions(at: Self.end)).map(\.name) == [promoted.name])
        let signals = try await store.learningSignals(limit: 10)
        #expect(signals.count == 1 && signals[0].kind == .adaptation && signals[0].subject == "account paper" && signals[0].message.contains(promoted.name))
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.contains("orchestrator_trading_champion{stream=\"BTC-USD 1h 4h\",model_version=\"\(promoted.name)\"} 1"))
        #expect(text.contains("orchestrator_trading_champion{stream=\"BTC-USD 1h 4h\",model_version=\"\(good.name)\"} 0"))
        // Live, a new version is loaded off the batch start: the stream's previous champion goes on until it is ready.
        let live = ChampionModelSource(store: store, account: "live", symbols: [Self.symbol], timeframe: .oneHour, clock: FixedClock(), metrics: nil,
                                       logger: Logger(label: "test"), background: true, announce: { _ in })
        #expect(try #require(await live.champions(at: Self.end)).isEmpty, "nothing loaded yet, nothing before it")
        #expect(await eventually { await live.champions(at: Self.end)?.map(\.name) == [promoted.name] })
        #expect(try await store.learningSignals(limit: 10).filter { $0.subject == "account live" }.isEmpty, "a start's first champion is no adaptation")
        var rollback = FeedbackCommit()
        rollback.models = [ModelVersionRecord(name: good.name, role: .champion, parameters: good.parameters, createdAt: good.createdAt, promotedAt: Self.end),
                           ModelVersionRecord(name: promoted.name, role: .retired, parameters: promoted.parameters, createdAt: promoted.createdAt, promotedAt: nil)]
        try await store.commitFeedback(rollback, at: Self.end)
        #expect(try #require(await live.champions(at: Self.end)).map(\.name) == [promoted.name], "the previous champion goes on while the next loads")
        #expect(await eventually { await live.champions(at: Self.end)?.map(\.name) == [good.name] })
        #expect(try await store.learningSignals(limit: 10).filter { $0.subject == "account live" }.count == 1, "the rollback seen while running is one")
        // An unreadable registry keeps the champions in hand (nil), it does not take them away.
        try await store.close()
        #expect(await source.champions(at: Self.end) == nil)
    }
}
