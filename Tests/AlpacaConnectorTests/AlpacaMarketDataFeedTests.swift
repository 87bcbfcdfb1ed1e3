@testable import AlpacaConnector
import AlpacaStub
import Foundation
import Testing
import TestSupport
import TradingCore
import TradingEngine

@Suite("Alpaca market-data stream against the stub broker", .serialized)
struct AlpacaMarketDataFeedTests {
    static let origin = Timestamp(iso8601: "2024-07-01T14:00:00Z")!

    static func minute(_ index: Int, close: String) -> Bar {
        AlpacaStubFixture.bar(close, close, close, close, at: origin.adding(milliseconds: Int64(index) * 60_000))
    }

    static func feed(_ fixture: AlpacaStubFixture, now: Timestamp, credentials: AlpacaCredentials? = nil) -> AlpacaMarketDataFeed {
        let key = credentials ?? AlpacaCredentials(keyID: AlpacaStubFixture.keyID, secret: AlpacaStubFixture.secret)
        let data = AlpacaRESTClient(baseURL: fixture.endpoints.dataURL, credentials: key, budget: fixture.budget, clock: { now }, timeout: .seconds(60))
        var feed = AlpacaMarketDataFeed(streamURL: AlpacaMarketDataFeed.streamURL(base: fixture.endpoints.streamURL, crypto: false, feed: .iex),
                                        history: AlpacaBarHistory(rest: data), credentials: key, clock: { now })
        feed.initialReconnectDelay = .milliseconds(10)
        feed.maximumReconnectDelay = .milliseconds(50)
        return feed
    }

    @Test("bars arrive as they close, exact, each once; after a dropped connection the missed bars are healed from the REST in order")
    func barsAndHealing() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        let feed = Self.feed(fixture, now: Self.origin.adding(milliseconds: 10 * 60_000))
        var events = await feed.events(symbols: [Symbol("AAPL")!], timeframe: .oneMinute, after: [Symbol("AAPL")!: Self.origin.adding(milliseconds: -60_000)])
            .makeAsyncIterator()
        #expect(try await events.next() == .connected)
        await fixture.broker.publishBar(Self.minute(0, close: "187.125"), symbol: "AAPL")
        await fixture.broker.publishBar(Self.minute(0, close: "187.125"), symbol: "AAPL")
        await fixture.broker.publishBar(Self.minute(1, close: "187.5"), symbol: "AAPL")
        // The two bars, each once, whether the stream or the first heal (racing it here) brought them.
        var bars: [Bar] = []
        while bars.count < 2, let event = try await events.next() {
            if case .barClosed(_, _, let bar) = event { bars.append(bar) }
        }
        #expect(bars.map(\.openTime) == [Self.origin, Self.origin.adding(milliseconds: 60_000)] && bars[0].close.value == FixedDecimal("187.125")!)
        // The connection drops; two bars close meanwhile (only the REST has them); the stream comes back.
        await fixture.broker.dropMarketDataConnections()
        var dropped = try await events.next()
        if case .gapHealed? = dropped { dropped = try await events.next() }
        guard case .disconnected? = dropped else { Issue.record("no disconnection: \(String(describing: dropped))"); return }
        await fixture.broker.publishBar(Self.minute(2, close: "188"), symbol: "AAPL", streamed: false)
        await fixture.broker.publishBar(Self.minute(3, close: "188.25"), symbol: "AAPL", streamed: false)
        #expect(try await events.next() == .connected)
        var healed: [Bar] = []
        while let event = try await events.next() {
            if case .barClosed(_, _, let bar) = event { healed.append(bar) }
            if case .gapHealed(_, _, let count) = event { #expect(count == 2); break }
        }
        #expect(healed.map(\.close.value) == [FixedDecimal(188), FixedDecimal("188.25")!])
        let malformed = await feed.counters.malformedMessages
        #expect(malformed == 0)
    }

    @Test("a refused key and a second connection for the account end the connection with the reason; another bar length is refused")
    func refusals() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        let wrong = Self.feed(fixture, now: Self.origin, credentials: AlpacaCredentials(keyID: "PKWRONG", secret: "hidden-secret"))
        var refused = await wrong.events(symbols: [Symbol("AAPL")!], timeframe: .oneMinute).makeAsyncIterator()
        guard case .disconnected(let reason)? = try await refused.next() else { Issue.record("a wrong key was accepted"); return }
        #expect(reason.contains("402") && reason.contains("APCA_API_SECRET_KEY") && !reason.contains("hidden-secret"), "\(reason)")
        let first = Self.feed(fixture, now: Self.origin)
        var holding = await first.events(symbols: [Symbol("AAPL")!], timeframe: .oneMinute).makeAsyncIterator()
        #expect(try await holding.next() == .connected)
        let second = Self.feed(fixture, now: Self.origin)
        var other = await second.events(symbols: [Symbol("AAPL")!], timeframe: .oneMinute).makeAsyncIterator()
        guard case .disconnected(let limit)? = try await other.next() else { Issue.record("a second connection was accepted"); return }
        #expect(limit.contains("406"), "\(limit)")
        var hourly = await first.events(symbols: [Symbol("AAPL")!], timeframe: .oneHour).makeAsyncIterator()
        await #expect(throws: AlpacaMarketDataFeed.FeedError.self) { _ = try await hourly.next() }
    }

    @Test("a malformed message or bar is counted and skipped, never fatal")
    func malformed() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        let feed = Self.feed(fixture, now: Self.origin)
        let (_, continuation) = AsyncThrowingStream<FeedEvent, any Error>.makeStream()
        let state = SubscriptionState(), sequencer = AlpacaBarSequencer(last: [:])
        for text in ["not json", "{\"T\":\"b\"}", #"[{"T":"b","S":"AAPL","o":"x","h":1,"l":1,"c":1,"t":"2024-07-01T14:00:00Z"}]"#] {
            _ = try await feed.handle(Array(text.utf8), names: ["AAPL"], bySymbol: ["AAPL": Symbol("AAPL")!], state: state, sequencer: sequencer, continuation: continuation)
        }
        #expect(await feed.counters.malformedMessages == 3)
    }
}
