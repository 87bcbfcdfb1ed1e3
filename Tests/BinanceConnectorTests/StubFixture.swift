import BinanceConnector
import BinanceStub
import Crypto
import Foundation
import Synchronization
import TestSupport
import TradingCore
import TradingEngine

/// A running stub exchange and a connector pointed at it, with the documentation's HMAC test key.
struct StubFixture: Sendable {
    static let apiKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
    static let secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    static let symbol = Symbol("BTCUSDT")!

    let server: BinanceStubServer
    let exchange: BinanceStubExchange
    let rest: BinanceRESTClient
    let budget: BinanceRateBudget
    let venue: BinanceVenue
    let endpoints: BinanceEndpoints

    /// Starts a stub with BTCUSDT and ETHUSDT, 100,000 USDT, and a venue with HMAC (or the given)
    /// credentials. Calls wait up to a minute (the suite shares two cores); only `submitTimeout`, when
    /// given, is short.
    static func start(credentials: BinanceCredentials? = BinanceCredentials(apiKey: apiKey, secret: secret), ed25519Keys: [String: Data] = [:],
                      weightLimitPerMinute: Int = 6_000, orderLimit: Int = 50, submitTimeout: Duration? = nil,
                      receiveWindowMilliseconds: Int64 = 5_000, virtualClock: VirtualClock? = nil,
                      rememberedEndedOrders: Int = 10_000) async throws -> StubFixture {
        let clock: @Sendable () -> Timestamp
        let budget: BinanceRateBudget
        if let virtualClock {
            clock = { virtualClock.now() }
            budget = BinanceRateBudget(now: clock, sleep: { try await virtualClock.sleep(for: $0) })
        } else {
            clock = { Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000)) }
            budget = BinanceRateBudget(now: clock)
        }
        let exchangeClock: @Sendable () -> Int64 = { clock().millisecondsSinceEpoch }
        let exchange = BinanceStubExchange(listings: [
            .init(symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT"),
            .init(symbol: "ETHUSDT", baseAsset: "ETH", quoteAsset: "USDT", stepSize: FixedDecimal("0.0001")!, minimumQuantity: FixedDecimal("0.0001")!),
        ], balances: ["USDT": FixedDecimal(100_000), "BTC": .zero], hmacSecrets: [apiKey: secret], ed25519PublicKeys: ed25519Keys,
           weightLimitPerMinute: weightLimitPerMinute, orderLimitPerTenSeconds: orderLimit, clock: exchangeClock)
        let server = BinanceStubServer(exchange: exchange)
        try await server.start()
        let endpoints = BinanceEndpoints.local(port: server.port)
        let rest = BinanceRESTClient(baseURL: endpoints.tradingRESTURL, credentials: credentials, budget: budget, clock: clock,
                                     receiveWindowMilliseconds: receiveWindowMilliseconds, timeout: .seconds(60))
        try await rest.synchroniseClock()
        let venue = BinanceVenue(rest: rest, budget: budget, submitTimeout: submitTimeout, rememberedEndedOrders: rememberedEndedOrders)
        return StubFixture(server: server, exchange: exchange, rest: rest, budget: budget, venue: venue, endpoints: endpoints)
    }

    /// A bar of the stub's market at the current minute.
    static func bar(_ open: String, _ high: String, _ low: String, _ close: String, at time: Timestamp) -> Bar {
        try! Bar(openTime: time, open: Price(open)!, high: Price(high)!, low: Price(low)!, close: Price(close)!, volume: Quantity(FixedDecimal(1)))
    }

    func stop() { server.stop() }
}

/// The conformance harness of the Binance connector against the stub: a bar traded on the stub,
/// then the venue polls its working orders (the REST path of execution reports).
final class BinanceHarness: VenueHarness {
    let fixture: StubFixture
    let minute = Mutex<Int64>(0)
    var venue: any ExecutionVenue { fixture.venue }
    var symbol: Symbol { StubFixture.symbol }
    let quoteAsset = "USDT"

    init(_ fixture: StubFixture) { self.fixture = fixture }

    func trade(open: String, high: String, low: String, close: String) async throws {
        let index = minute.withLock { value -> Int64 in
            value += 1
            return value
        }
        let bar = StubFixture.bar(open, high, low, close, at: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + index * 60_000))
        await fixture.exchange.trade(bar, symbol: symbol.rawValue)
        await fixture.venue.setReferencePrice(bar.close.value, for: symbol)
        try await fixture.venue.poll()
    }
}

/// A clock that sleeping moves forward at once, shared by the stub, the client and its budget, so a
/// test of minute-long rate windows takes no minute.
final class VirtualClock: Sendable {
    private let milliseconds = Mutex<Int64>(1_700_000_000_000)

    /// The virtual time.
    func now() -> Timestamp { Timestamp(millisecondsSinceEpoch: milliseconds.withLock { $0 }) }

    /// Moves the time on to `duration` after the call, once requests already on their way have
    /// had (real) time to reach the stub: a caller the budget admitted in one window must reach the
    /// exchange in that window, as it does in real time, not after another caller's wait has moved
    /// the clock on. Waiters that sleep at once do not add up: each moves the time to its own end.
    func sleep(for duration: Duration) async throws {
        let end = milliseconds.withLock { $0 } + max(1, duration.wholeMilliseconds)
        try await Task.sleep(for: .milliseconds(100))
        milliseconds.withLock { $0 = max($0, end) }
    }
}
