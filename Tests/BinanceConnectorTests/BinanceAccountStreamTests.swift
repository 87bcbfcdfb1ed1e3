import BinanceConnector
import BinanceStub
import Crypto
import Foundation
import Testing
import TradingCore
import TradingEngine

/// The account stream over the WebSocket API against the stub: signed subscription (HMAC and
/// Ed25519), execution reports that resolve unknown outcomes without a query, duplicates passed on
/// once, and a resubscription after every kind of ending.
@Suite("Binance account stream against the stub exchange", .serialized, .timeLimit(.minutes(2)))
struct BinanceAccountStreamTests {
    /// Waits for the next event of the stream that satisfies `condition` (a minute at most).
    static func next(_ events: inout AsyncStream<BinanceAccountStream.Event>.Iterator,
                     where condition: (BinanceAccountStream.Event) -> Bool = { _ in true }) async -> BinanceAccountStream.Event? {
        while let event = await events.next() {
            if condition(event) { return event }
        }
        return nil
    }

    /// Waits for the next subscription, past refusals and disconnections (under load a first
    /// subscription can be refused with -1021 until the clock is resynchronised, and is retried).
    static func subscribed(_ events: inout AsyncStream<BinanceAccountStream.Event>.Iterator) async -> BinanceAccountStream.Event? {
        await next(&events) { if case .subscribed = $0 { true } else { false } }
    }

    /// Collects the venue's reports until `count` have come or `seconds` have passed.
    static func reports(_ stream: AsyncStream<ExecutionReport>, count: Int, within seconds: Double = 30) async -> [ExecutionReport] {
        await withTaskGroup(of: [ExecutionReport].self) { group in
            group.addTask {
                var collected: [ExecutionReport] = []
                for await report in stream {
                    collected.append(report)
                    if collected.count >= count { break }
                }
                return collected
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return []
            }
            let first = await group.next() ?? []
            group.cancelAll()
            return first
        }
    }

    static func stream(_ fixture: StubFixture, credentials: BinanceCredentials) -> BinanceAccountStream {
        BinanceAccountStream(url: fixture.endpoints.webSocketAPIURL, credentials: credentials, rest: fixture.rest, venue: fixture.venue)
    }

    @Test("an order whose answer was lost is proven by the stream's reports: no query, each trade once even when the events come twice")
    func streamResolvesUnknownOutcome() async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        let account = Self.stream(fixture, credentials: BinanceCredentials(apiKey: StubFixture.apiKey, secret: StubFixture.secret))
        var events = await account.events().makeAsyncIterator()
        #expect(await Self.subscribed(&events) == .subscribed(resubscribed: false))
        await fixture.exchange.trade(StubFixture.bar("30000", "30000", "30000", "30000", at: Timestamp(millisecondsSinceEpoch: 0)), symbol: "BTCUSDT")
        await fixture.exchange.setTradesPerMarketFill(2)
        await fixture.exchange.setDuplicateAccountEvents(true)
        await fixture.exchange.inject(.serverErrorAfterAccept)
        let reports = await fixture.venue.executionReports()
        let submission = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "lost-answer", symbol: StubFixture.symbol, side: .buy,
                                                                          quantity: FixedDecimal("0.002")!))
        // The 500 and the stream's events race: the answer is unknown, or, when the stream told of the
        // order while the answer was awaited, already accepted. Either way no query is needed.
        switch submission {
        case .unknown, .accepted: break
        case .rejected: Issue.record("expected an unknown or known outcome, got \(submission)"); return
        }
        // accepted, two trades (the second completes it); the duplicated events add nothing.
        let received = await Self.reports(reports, count: 3)
        #expect(received.map(\.kind) == [.accepted, .partialFill, .fill], "\(received)")
        #expect(Set(received.compactMap { $0.fill?.tradeID }).count == 2)
        #expect(received.compactMap(\.fill).reduce(FixedDecimal.zero) { $0 + $1.quantity } == FixedDecimal("0.002")!)
        #expect(await fixture.venue.unresolved.isEmpty, "the stream proved the order exists")
        let again = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "lost-answer", symbol: StubFixture.symbol, side: .buy,
                                                                     quantity: FixedDecimal("0.002")!))
        guard case .accepted = again else { Issue.record("a known order is answered from memory, got \(again)"); return }
        #expect(await fixture.exchange.newOrderRequests["lost-answer"] == 1, "never sent again")
        #expect(await account.balances["BTC"]?.total == FixedDecimal("0.002")!)
    }

    @Test("the stream telling of an order while its answer is still awaited makes it known: the lost answer leaves nothing unknown")
    func streamBeforeTheAnswer() async throws {
        let fixture = try await StubFixture.start(submitTimeout: .seconds(3))
        defer { fixture.stop() }
        let account = Self.stream(fixture, credentials: BinanceCredentials(apiKey: StubFixture.apiKey, secret: StubFixture.secret))
        var events = await account.events().makeAsyncIterator()
        #expect(await Self.subscribed(&events) == .subscribed(resubscribed: false))
        await fixture.exchange.trade(StubFixture.bar("30000", "30000", "30000", "30000", at: Timestamp(millisecondsSinceEpoch: 0)), symbol: "BTCUSDT")
        // The order is placed and its events sent at once; its answer comes only after the client gave up.
        await fixture.exchange.inject(.timeoutAfterAccept(delay: .seconds(6)))
        let reports = await fixture.venue.executionReports()
        let submission = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "answer-late", symbol: StubFixture.symbol, side: .buy,
                                                                          quantity: FixedDecimal("0.002")!))
        guard case .accepted(let state) = submission else { Issue.record("the stream had told of it: expected accepted, got \(submission)"); return }
        #expect(state.clientOrderID == "answer-late")
        #expect(await fixture.venue.unresolved.isEmpty)
        let received = await Self.reports(reports, count: 2)
        #expect(received.map(\.kind) == [.accepted, .fill], "\(received)")
        #expect(await fixture.exchange.newOrderRequests["answer-late"] == 1, "sent once")
    }

    @Test("after a dropped socket, eventStreamTerminated or a malformed frame the stream goes on; a lost connection resubscribes and says so", arguments: [
        "drop", "terminate", "malformed",
    ])
    func resubscribes(fault: String) async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        let account = Self.stream(fixture, credentials: BinanceCredentials(apiKey: StubFixture.apiKey, secret: StubFixture.secret))
        var events = await account.events().makeAsyncIterator()
        #expect(await Self.subscribed(&events) == .subscribed(resubscribed: false))
        switch fault {
        case "drop": await fixture.exchange.dropAccountConnections()
        case "terminate": await fixture.exchange.terminateAccountSubscriptions()
        default: await fixture.exchange.sendAccountFrame("{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"s\":42}}")
        }
        if fault == "malformed" {
            let deadline = ContinuousClock.now + .seconds(30)
            while await account.malformedFrames == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(await account.malformedFrames == 1)
            #expect(await account.isSubscribed, "a malformed event is counted and the stream goes on")
            return
        }
        guard case .disconnected = await Self.next(&events) else { Issue.record("expected a disconnection"); return }
        #expect(await Self.subscribed(&events) == .subscribed(resubscribed: true))
        #expect(await fixture.exchange.accountSubscriptions == 2)
    }

    @Test("an Ed25519 key subscribes with a signature the stub verifies; a wrong secret is refused with -1022 and never subscribes")
    func signatures() async throws {
        let key = Curve25519.Signing.PrivateKey()
        let fixture = try await StubFixture.start(ed25519Keys: ["ed-key": key.publicKey.rawRepresentation])
        defer { fixture.stop() }
        let edStream = Self.stream(fixture, credentials: BinanceCredentials(apiKey: "ed-key", ed25519: key))
        var events = await edStream.events().makeAsyncIterator()
        #expect(await Self.subscribed(&events) == .subscribed(resubscribed: false))
        let wrong = Self.stream(fixture, credentials: BinanceCredentials(apiKey: StubFixture.apiKey, secret: "not-the-secret"))
        var refused = await wrong.events().makeAsyncIterator()
        // Under load a -1021 (clock) refusal may come first; the secret's refusal follows once the clock is resynchronised.
        let refusal = await Self.next(&refused) { if case .disconnected(let reason) = $0 { reason.contains("-1022") } else { false } }
        guard case .disconnected(let reason) = refusal else { Issue.record("expected a refusal"); return }
        #expect(reason.contains("-1022") && !reason.contains("not-the-secret"), "\(reason)")
        #expect(await wrong.subscriptions == 0)
    }
}
