import Foundation
@testable import HTTPServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Prediction
import Prometheus
import Synchronization
import TestSupport
import Testing
import TradingCore
import TradingEngine

@Suite("Prediction API")
struct PredictionAPITests {
    /// The bundled hourly BTC-USD bars.
    static func hourlyBars() throws -> [Bar] {
        let url = TestEnvironment.sampleDataDirectory.appendingPathComponent("BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv")
        return try BarFileParser(timeframe: .oneHour).parseOHLCV([UInt8](Data(contentsOf: url)), fileName: url.lastPathComponent).bars
    }

    /// Stores the first 1,500 bundled hourly BTC-USD bars as ETH-TEST (a symbol the fixture does not use).
    static func storeHourlyBars(_ fixture: ServerFixture) async throws {
        let bars = try hourlyBars()
        _ = try await fixture.store.importBars(BarImportBatch(instrument: Instrument(symbol: Symbol("ETH-TEST")!, assetClass: .crypto, quoteCurrency: "USD"),
                                                              timeframe: .oneHour, kind: .ohlcv, bars: Array(bars.prefix(1500)), source: "test"))
    }

    static func get(_ client: any TestClientProtocol, _ fixture: ServerFixture, _ uri: String,
                    _ check: @escaping @Sendable (TestResponse) async throws -> Void) async throws {
        try await client.execute(uri: uri, method: .get, headers: fixture.headers(.viewer), testCallback: check)
    }

    @Test("predictions, regimes, analysis and alerts answer from the stored bars with their documented keys")
    func routesAnswer() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await Self.storeHourlyBars(fixture)
            try await Self.get(client, fixture, "/api/v1/predictions/ETH-TEST?horizons=1h,4h&at=2017-08-30T00:00:00Z") { (response: TestResponse) async throws in
                #expect(response.status == .ok, "\(response.text)")
                let json = try response.json
                #expect(json["data_time"] as? String == "2017-08-30T00:00:00Z")
                #expect((json["forecasts"] as? [[String: Any]])?.compactMap { $0["horizon"] as? String } == ["1h", "4h"])
                #expect(json["newly_stored"] as? Int == 2)
            }
            // The same request again stores nothing new; the stored rows carry the exact reference close.
            try await Self.get(client, fixture, "/api/v1/predictions/ETH-TEST?horizons=1h,4h&at=2017-08-30T00:00:00Z") { (response: TestResponse) async throws in
                #expect(try response.json["newly_stored"] as? Int == 0)
            }
            let stored = try await fixture.store.forecasts(symbol: Symbol("ETH-TEST")!, limit: 10)
            #expect(stored.count == 2 && stored.allSatisfy { $0.dataTime == Timestamp(iso8601: "2017-08-30T00:00:00Z") })
            #expect(stored.first.map { Double($0.referenceClose) != nil } == true)
            try await Self.get(client, fixture, "/api/v1/regimes/ETH-TEST") { (response: TestResponse) async throws in
                #expect(response.status == .ok, "\(response.text)")
                let json = try response.json
                #expect((json["recommendation"] as? [String: Any])?["strategy"] is String)
                #expect((json["hmm"] as? [String: Any])?["states"] is [[String: Any]])
            }
            try await Self.get(client, fixture, "/api/v1/analysis/ETH-TEST?start=2017-08-01T00:00:00Z&end=2017-09-01T00:00:00Z") { (response: TestResponse) async throws in
                #expect(response.status == .ok, "\(response.text)")
                let json = try response.json
                #expect(json["start"] as? String == "2017-08-01T00:00:00Z")
                #expect((json["volume_profile"] as? [Any])?.count == 10)
            }
            try await Self.get(client, fixture, "/api/v1/alerts?source=prediction&symbol=ETH-TEST") { (response: TestResponse) async throws in
                #expect(response.status == .ok, "\(response.text)")
                #expect(try response.json["alerts"] is [Any])
            }
        }
    }

    /// The cache lookups counted so far, by result (`hit`, `miss`, `joined`) of one cache.
    static func lookups(_ fixture: ServerFixture, cache: String) -> [String: Int] {
        var text: [UInt8] = []
        fixture.dependencies.metrics.registry.emit(into: &text)
        var counts: [String: Int] = [:]
        for line in String(decoding: text, as: UTF8.self).split(separator: "\n") where line.hasPrefix("orchestrator_cache_lookups_total{cache=\"\(cache)\"") {
            guard let result = line.split(separator: "result=\"").last?.split(separator: "\"").first, let count = line.split(separator: " ").last.flatMap({ Int($0) }) else { continue }
            counts[String(result)] = count
        }
        return counts
    }

    @Test("two concurrent requests for the same forecast compute and store it once; the others are answered from the cache")
    func concurrentForecastRequestsComputeOnce() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await Self.storeHourlyBars(fixture)
            let uri = "/api/v1/predictions/ETH-TEST?horizons=1h,4h"
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        let body = Mutex("")
                        try await Self.get(client, fixture, uri) { (response: TestResponse) async throws in
                            #expect(response.status == .ok, "\(response.text)")
                            body.withLock { $0 = response.text }
                        }
                        return body.withLock { $0 }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let counts = Self.lookups(fixture, cache: "forecasts")
            #expect(counts["miss"] == 1, "\(counts)")
            #expect((counts["joined"] ?? 0) + (counts["hit"] ?? 0) == 1, "\(counts)")
            // The two documents differ only in how many rows the request stored.
            let documents = bodies.map { $0.replacing(#/"newly_stored":\d/#, with: "") }
            #expect(documents.count == 2 && documents[0] == documents[1])
            #expect(try await fixture.store.forecasts(symbol: Symbol("ETH-TEST")!, limit: 10).count == 2)
        }
    }

    @Test("""
        decisions between two grid times forecast from the first one's fit carried forward; the next fit is prepared in the \
        background once its grid time has passed, and decisions from the lead after it use it without fitting
        """)
    func forecastsFollowTheRefitSchedule() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let bars = try Self.hourlyBars()
            let schedule = RefitSchedule.server
            let hour: Int64 = 3_600_000
            func at(_ time: Timestamp, hours: Int) -> Timestamp { Timestamp(millisecondsSinceEpoch: time.millisecondsSinceEpoch + Int64(hours) * hour) }
            /// Stores the bars up to the one that closes at `close`: the newest decision is then at `close`.
            func store(through close: Timestamp) async throws {
                let count = try #require(bars.firstIndex { $0.closeTime(timeframe: .oneHour) == close }) + 1
                _ = try await fixture.store.importBars(BarImportBatch(instrument: Instrument(symbol: Symbol("ETH-TEST")!, assetClass: .crypto, quoteCurrency: "USD"),
                                                                      timeframe: .oneHour, kind: .ohlcv, bars: Array(bars.prefix(count)), source: "test"))
            }
            /// The newest decision's forecasts.
            func forecast() async throws -> [String: Any] {
                let text = Mutex("")
                try await Self.get(client, fixture, "/api/v1/predictions/ETH-TEST?horizons=1h,4h") { (response: TestResponse) async throws in
                    #expect(response.status == .ok, "\(response.text)")
                    text.withLock { $0 = response.text }
                }
                return try JSONSerialization.jsonObject(with: Data(text.withLock { $0 }.utf8)) as? [String: Any] ?? [:]
            }
            let gridTime = schedule.fitTime(forDecisionAt: Timestamp(iso8601: "2017-08-30T00:00:00Z")!, timeframe: .oneHour)
            let decision = at(gridTime, hours: schedule.leadBars + 3)
            try await store(through: at(decision, hours: -1))
            let first = try await forecast()
            try await store(through: decision)
            let second = try await forecast()
            #expect(first["fitted_at"] as? String == gridTime.iso8601 && second["fitted_at"] as? String == gridTime.iso8601)
            #expect(Self.lookups(fixture, cache: "fits") == ["hit": 1, "miss": 1, "joined": 0])
            // The numbers of the grid time's fit carried to the decision, computed here from the same bars.
            let horizons = ["1h", "4h"].map { Horizon(parsing: $0)! }
            let series = try BarSeries(bars: Array(bars.prefix(1500)), timeframe: .oneHour)
            let fit = try Forecaster().fit(series.asOf(gridTime).series(closedBy: gridTime, limit: PredictionRoutes.maximumBars), at: gridTime, horizons: horizons)
            let expected = try fit.forecast(series, at: decision)
            let served = try #require(second["forecasts"] as? [[String: Any]])
            #expect(served.count == expected.count)
            for (document, forecast) in zip(served, expected) {
                for (key, value) in [("expected_log_return", forecast.expectedLogReturn), ("probability_up", forecast.probabilityUp), ("volatility", forecast.volatility)] {
                    let number = try #require(document[key] as? Double, "\(key)")
                    #expect(abs(number - value) <= 1e-9 * max(1, abs(value)), "\(forecast.horizon) \(key): \(number) against \(value)")
                }
            }
            // A decision at another time (`at`) answers the same, from the same fit.
            try await Self.get(client, fixture, "/api/v1/predictions/ETH-TEST?horizons=1h,4h&at=\(decision.iso8601)") { (response: TestResponse) async throws in
                #expect(try response.json["fitted_at"] as? String == gridTime.iso8601)
            }
            // Past the next grid time but within its lead: the same fit still, and the next one is prepared in the background.
            let next = schedule.nextFitTime(after: gridTime, timeframe: .oneHour)
            try await store(through: at(next, hours: 1))
            #expect(try await forecast()["fitted_at"] as? String == gridTime.iso8601)
            #expect(await eventually { fixture.dependencies.predictions.fits.count == 2 })
            #expect(Self.lookups(fixture, cache: "fits")["miss"] == 2)
            // From the lead after it, decisions forecast from it, found ready.
            try await store(through: at(next, hours: schedule.leadBars))
            #expect(try await forecast()["fitted_at"] as? String == next.iso8601)
            #expect(Self.lookups(fixture, cache: "fits")["miss"] == 2)
        }
    }

    @Test("a new bar, or a correction of an old one, is a new computation; unchanged bars are served from the cache")
    func cacheFollowsTheStoredBars() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await Self.storeHourlyBars(fixture)
            let symbol = Symbol("ETH-TEST")!
            let bars = try Self.hourlyBars()
            func store(_ bars: [Bar]) async throws {
                _ = try await fixture.store.importBars(BarImportBatch(instrument: Instrument(symbol: symbol, assetClass: .crypto, quoteCurrency: "USD"),
                                                                      timeframe: .oneHour, kind: .ohlcv, bars: bars, source: "test"))
            }
            func dataTimes() async throws -> (forecast: String?, regimes: String?) {
                let times = Mutex<(String?, String?)>((nil, nil))
                try await Self.get(client, fixture, "/api/v1/predictions/ETH-TEST?horizons=1h") { (response: TestResponse) async throws in
                    let time = try response.json["data_time"] as? String
                    times.withLock { $0.0 = time }
                }
                try await Self.get(client, fixture, "/api/v1/regimes/ETH-TEST") { (response: TestResponse) async throws in
                    let time = try response.json["data_time"] as? String
                    times.withLock { $0.1 = time }
                }
                return times.withLock { $0 }
            }
            let first = try await dataTimes()
            _ = try await dataTimes()
            let windows = fixture.dependencies.predictions.windows
            #expect(windows.reads.whole == 1, "the regimes read the bars the forecast read")
            #expect(Self.lookups(fixture, cache: "forecasts") == ["hit": 1, "miss": 1, "joined": 0])
            #expect(Self.lookups(fixture, cache: "regimes") == ["hit": 1, "miss": 1, "joined": 0])
            // Bars stored again unchanged change nothing.
            try await store(Array(bars[1400..<1500]))
            _ = try await dataTimes()
            #expect(Self.lookups(fixture, cache: "forecasts") == ["hit": 2, "miss": 1, "joined": 0])
            // One more bar: both move to it.
            try await store([bars[1500]])
            let second = try await dataTimes()
            #expect(second.forecast == bars[1500].closeTime(timeframe: .oneHour).iso8601 && second.forecast != first.forecast)
            #expect(second.regimes == second.forecast)
            #expect(Self.lookups(fixture, cache: "forecasts")["miss"] == 2)
            #expect(windows.reads.whole == 1, "only the new bar was read")
            // A fresh process, reading the whole window, answers the same as the one that read only the new bar.
            let fresh = ServerDependencies(store: fixture.store, authenticator: APIKeyAuthenticator(store: fixture.store, cacheLifetime: .seconds(5)),
                                           metrics: HTTPMetrics(registry: PrometheusCollectorRegistry()), clock: fixture.dependencies.clock,
                                           settings: fixture.dependencies.settings)
            func document(_ dependencies: ServerDependencies) async throws -> JSONValue {
                let answer = try await PredictionRoutes.forecast("ETH-TEST", timeframe: nil, horizons: [Horizon(parsing: "1h")!], at: nil, reference: nil,
                                                                 dependencies: dependencies)
                guard case .object(let members) = answer else { return answer }
                return .object(members.filter { $0.0 != "newly_stored" })
            }
            #expect(try await document(fixture.dependencies) == document(fresh))
            #expect(fresh.predictions.windows.reads.whole == 1)
            // An old bar corrected: the newest bar is the same, the bars are not, and the models are refitted.
            let fitsBefore = Self.lookups(fixture, cache: "fits")["miss"] ?? 0
            let old = bars[1400]
            try await store([try Bar(openTime: old.openTime, open: old.open, high: Price(old.high.value + old.high.value), low: old.low, close: old.close, volume: old.volume)])
            _ = try await dataTimes()
            #expect(Self.lookups(fixture, cache: "forecasts")["miss"] == 3)
            #expect(Self.lookups(fixture, cache: "regimes")["miss"] == 3)
            #expect((Self.lookups(fixture, cache: "fits")["miss"] ?? 0) > fitsBefore)
            #expect(windows.reads.whole == 2, "a corrected bar: the whole window read again")
        }
    }

    @Test("unknown symbols are 404, close-only or constant data 422, bad horizons 400", arguments: [
        ("/api/v1/predictions/NOPE", 404, "no instrument NOPE"),
        ("/api/v1/predictions/BTC-USD?horizons=1h", 422, "needs at least"),
        ("/api/v1/predictions/BTC-USD?horizons=9x", 400, "horizons"),
        ("/api/v1/alerts?source=supervisor", 400, "only prediction alerts"),
        ("/api/v1/regimes/BTC-USD?states=4", 400, "states"),
    ])
    func problems(uri: String, status: Int, detail: String) async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await Self.get(client, fixture, uri) { (response: TestResponse) async throws in
                #expect(Int(response.status.code) == status, "\(response.text)")
                #expect((try response.json["detail"] as? String ?? "").contains(detail), "\(response.text)")
            }
        }
    }
}
