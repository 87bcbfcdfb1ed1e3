import Foundation
import HTTPServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Prometheus
import Storage
import TestSupport
import TradingCore
import TradingEngine

/// An in-process server over a fresh SQLite store with a little market data and one key per role.
struct ServerFixture {
    let store: SQLStore
    let directory: TemporaryDirectory
    let keys: [APIKeyRole: String]
    let logs: CapturingLogHandler.Buffer
    var dependencies: ServerDependencies
    let logger: Logger

    static func make(maximumBodyBytes: Int = 4096, openMetrics: Bool = true) async throws -> ServerFixture {
        let directory = try TemporaryDirectory()
        let clock = FixedClock()
        let store = SQLStore(database: try SQLiteDatabase(path: directory.file("api.sqlite")), clock: clock)
        try await store.migrate()
        let origin = Timestamp(iso8601: "2024-01-01T00:00:00Z")!
        let bars = try (0..<30).map { index in
            try Bar(openTime: origin.adding(milliseconds: Int64(index) * 3_600_000), open: Price("100.5")!, high: Price("101")!,
                    low: Price("99.25")!, close: Price("100")!, volume: Quantity("3.5"))
        }
        _ = try await store.importBars(BarImportBatch(instrument: Instrument(symbol: Symbol("BTC-USD")!, assetClass: .crypto, quoteCurrency: "USD"),
                                                      timeframe: .oneHour, kind: .ohlcv, bars: bars, source: "fixture"))
        let issuer = APIKeyIssuer(store: store, clock: clock)
        var keys: [APIKeyRole: String] = [:]
        for role in APIKeyRole.allCases { keys[role] = try await issuer.issue(name: "\(role) key", role: role).key }
        let (logger, logs) = CapturingLogHandler.logger()
        let dependencies = ServerDependencies(
            store: store, authenticator: APIKeyAuthenticator(store: store, cacheLifetime: .seconds(5)),
            metrics: HTTPMetrics(registry: PrometheusCollectorRegistry()), clock: clock,
            settings: ServerSettings(version: "test", maximumBodyBytes: maximumBodyBytes, openHealth: true, openMetrics: openMetrics,
                                     startedAt: clock.now()))
        return ServerFixture(store: store, directory: directory, keys: keys, logs: logs, dependencies: dependencies, logger: logger)
    }

    var application: some ApplicationProtocol {
        Application(router: APIServer.router(dependencies), logger: logger)
    }

    func close() async {
        try? await store.close()
        directory.remove()
    }

    func headers(_ role: APIKeyRole?, contentType: String? = nil) -> HTTPFields {
        var fields = HTTPFields()
        if let role { fields[.authorization] = "Bearer \(keys[role]!)" }
        if let contentType { fields[.contentType] = contentType }
        return fields
    }
}

/// Runs a test against an in-process server and always cleans up.
/// `adjusting` changes the dependencies before the router is built (a supervisor, a live venue).
func withServer(maximumBodyBytes: Int = 4096, openMetrics: Bool = true, adjusting adjust: (inout ServerDependencies) -> Void = { _ in },
                _ body: @Sendable (ServerFixture, any TestClientProtocol) async throws -> Void) async throws {
    var made = try await ServerFixture.make(maximumBodyBytes: maximumBodyBytes, openMetrics: openMetrics)
    adjust(&made.dependencies)
    let fixture = made
    do {
        // Every response is checked against the OpenAPI document (SchemaCheckingClient).
        let contract = try APIContract.of(fixture.dependencies)
        try await fixture.application.test(.router) { client in try await body(fixture, SchemaCheckingClient(inner: client, contract: contract)) }
        await fixture.close()
    } catch {
        await fixture.close()
        throw error
    }
}

extension TestResponse {
    /// The body parsed as JSON.
    var json: [String: Any] {
        get throws {
            let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
            guard let dictionary = object as? [String: Any] else { throw CocoaError(.coderReadCorrupt) }
            return dictionary
        }
    }

    /// The body as text.
    var text: String { String(buffer: body) }
}
