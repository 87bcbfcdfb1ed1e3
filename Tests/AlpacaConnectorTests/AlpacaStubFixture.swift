import AlpacaConnector
import AlpacaStub
import Foundation
import Synchronization
import TestSupport
import TradingCore
import TradingEngine

/// A running stub broker and a connector pointed at it.
struct AlpacaStubFixture: Sendable {
    static let keyID = "PKTESTKEYID0000000000"
    static let secret = "stub-secret-never-logged-0123456789abcdef"

    let server: AlpacaStubServer
    let broker: AlpacaStubBroker
    let rest: AlpacaRESTClient
    let budget: AlpacaRateBudget
    let venue: AlpacaVenue
    let endpoints: AlpacaEndpoints

    static func wallClock() -> Timestamp { Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000)) }

    /// Starts a stub with AAPL (fractionable), BRK.A (whole shares), BTC/USD, 100,000 dollars, and a venue with the stub's key.
    static func start(credentials: AlpacaCredentials? = AlpacaCredentials(keyID: keyID, secret: secret), submitTimeout: Duration? = nil,
                      limitPerMinute: Int = 200, unknownOrderWindow: Duration = .seconds(60),
                      sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) async throws -> AlpacaStubFixture {
        let broker = AlpacaStubBroker(assets: [.init(symbol: "AAPL"), .init(symbol: "BRK.A", fractionable: false), .init(symbol: "BTC/USD")],
                                      cash: FixedDecimal(100_000), keyID: keyID, secret: secret, requestLimitPerMinute: limitPerMinute)
        let server = AlpacaStubServer(broker: broker)
        try await server.start()
        let endpoints = AlpacaEndpoints.local(port: server.port)
        let budget = AlpacaRateBudget(limitPerMinute: limitPerMinute, now: { wallClock() }, sleep: sleep)
        let rest = AlpacaRESTClient(baseURL: endpoints.tradingURL, credentials: credentials, budget: budget, clock: { wallClock() }, timeout: .seconds(60))
        let venue = AlpacaVenue(rest: rest, clock: { wallClock() }, submitTimeout: submitTimeout, unknownOrderWindow: unknownOrderWindow)
        return AlpacaStubFixture(server: server, broker: broker, rest: rest, budget: budget, venue: venue, endpoints: endpoints)
    }

    /// A bar at `time`.
    static func bar(_ open: String, _ high: String, _ low: String, _ close: String, at time: Timestamp) -> Bar {
        try! Bar(openTime: time, open: Price(FixedDecimal(open)!), high: Price(FixedDecimal(high)!), low: Price(FixedDecimal(low)!),
                 close: Price(FixedDecimal(close)!), volume: Quantity(FixedDecimal(1)))
    }

    func stop() { server.stop() }
}

/// The conformance harness of the Alpaca connector against the stub: a bar traded on the stub,
/// then the venue reads its fills and working orders (the REST path of execution reports).
final class AlpacaHarness: VenueHarness {
    let fixture: AlpacaStubFixture
    let minute = Mutex<Int64>(0)
    var venue: any ExecutionVenue { fixture.venue }
    let symbol = Symbol("AAPL")!
    let quoteAsset = "USD"

    init(_ fixture: AlpacaStubFixture) { self.fixture = fixture }

    func trade(open: String, high: String, low: String, close: String) async throws {
        let index = minute.withLock { value -> Int64 in
            value += 1
            return value
        }
        let bar = AlpacaStubFixture.bar(open, high, low, close, at: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + index * 60_000))
        await fixture.broker.trade(bar, symbol: symbol.rawValue)
        await fixture.venue.setReferencePrice(bar.close.value, for: symbol)
        try await fixture.venue.synchronize()
    }
}
