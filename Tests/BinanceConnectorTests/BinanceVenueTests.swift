import BinanceConnector
import BinanceStub
import Crypto
import Foundation
import Synchronization
import TestSupport
import Testing
import TradingCore
import TradingEngine

@Suite("Binance venue against the stub exchange", .serialized)
struct BinanceVenueTests {
    @Test("the venue conformance suite", arguments: VenueConformance.caseNames)
    func conformance(name: String) async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        try await VenueConformance.run(name, on: BinanceHarness(fixture))
    }

    @Test("an Ed25519 key signs requests the stub verifies; a wrong key is refused with -1022")
    func ed25519() async throws {
        let key = Curve25519.Signing.PrivateKey()
        let other = Curve25519.Signing.PrivateKey()
        let fixture = try await StubFixture.start(credentials: BinanceCredentials(apiKey: "ed-key", ed25519: key),
                                                  ed25519Keys: ["ed-key": key.publicKey.rawRepresentation, "ed-other": other.publicKey.rawRepresentation])
        defer { fixture.stop() }
        let balances = try await fixture.venue.balances()
        #expect(balances["USDT"]?.free == FixedDecimal(100_000))
        let wrong = BinanceRESTClient(baseURL: fixture.endpoints.tradingRESTURL, credentials: BinanceCredentials(apiKey: "ed-other", ed25519: key),
                                      budget: fixture.budget, clock: { Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000)) }, timeout: .seconds(60))
        await #expect(throws: BinanceAPIError(httpStatus: 400, code: -1022, message: "Signature for this request is not valid.")) {
            _ = try await wrong.signedCall("GET", "/api/v3/account", weight: 20)
        }
    }

    @Test("a symbol the exchange does not list is a clear error naming it")
    func unknownSymbol() async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        await #expect {
            _ = try await fixture.venue.instrumentRules(for: [Symbol("NOPEUSDT")!])
        } throws: { error in
            (error as? VenueError)?.kind == .unknownSymbol && String(describing: error).contains("NOPEUSDT")
        }
    }

    @Test("what this connector does not send is refused before sending, named: a stop-limit order, a day order", arguments: [
        (OrderType.stopLimit(stop: Price("30000")!, limit: Price("30100")!), VenueOrderRequest.TimeInForce.goodTillCancelled, "ORDER_TYPE:"),
        (.limit(Price("30000")!), .day, "TIME_IN_FORCE:"),
    ])
    func refusedKinds(type: OrderType, timeInForce: VenueOrderRequest.TimeInForce, prefix: String) async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        let submission = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "kind-1", symbol: StubFixture.symbol, side: .buy, type: type,
                                                                          quantity: FixedDecimal("0.01")!, timeInForce: timeInForce))
        guard case .rejected(let reason) = submission else { Issue.record("expected a refusal, got \(submission)"); return }
        #expect(reason.hasPrefix(prefix), "\(reason)")
        #expect(await fixture.exchange.newOrderRequests["kind-1"] == nil, "nothing reached the exchange")
    }

    @Test("an order breaking LOT_SIZE is refused before it is sent, naming the filter")
    func refusedBeforeSending() async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        await fixture.exchange.trade(StubFixture.bar("30000", "30000", "30000", "30000", at: Timestamp(millisecondsSinceEpoch: 0)), symbol: "BTCUSDT")
        await fixture.venue.setReferencePrice(FixedDecimal(30_000), for: StubFixture.symbol)
        let submission = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "lot-1", symbol: StubFixture.symbol, side: .buy,
                                                                          quantity: FixedDecimal("0.000015")!))
        guard case .rejected(let reason) = submission else { Issue.record("expected a refusal, got \(submission)"); return }
        #expect(reason.hasPrefix("LOT_SIZE:"))
        #expect(await fixture.exchange.newOrderRequests["lot-1"] == nil, "nothing reached the exchange")
    }

    @Test("ended orders past the limit are forgotten, so a long run's record stays bounded; each order's reports came once")
    func endedOrdersAreForgotten() async throws {
        let fixture = try await StubFixture.start(rememberedEndedOrders: 3)
        defer { fixture.stop() }
        let reports = ReportCollector(await fixture.venue.executionReports())
        await fixture.exchange.trade(StubFixture.bar("30000", "30000", "30000", "30000", at: Timestamp(millisecondsSinceEpoch: 0)), symbol: "BTCUSDT")
        await fixture.venue.setReferencePrice(FixedDecimal(30_000), for: StubFixture.symbol)
        for index in 1...6 {
            let submission = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "bounded-\(index)", symbol: StubFixture.symbol, side: .buy,
                                                                              quantity: FixedDecimal("0.01")!))
            guard case .accepted = submission else { Issue.record("expected acceptance, got \(submission)"); return }
        }
        for index in 1...6 { _ = try await reports.first { $0.clientOrderID == "bounded-\(index)" && $0.kind == .fill } }
        #expect(await fixture.venue.rememberedOrders == 3)
        let fills = await reports.all.filter { $0.kind == .fill }
        #expect(fills.count == 6 && Set(fills.map(\.clientOrderID)).count == 6)
    }

    @Test("a 5xx after the exchange accepted the order: UNKNOWN, resolved by query to the placed order, never sent twice")
    func serverErrorAfterAccept() async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        let reports = ReportCollector(await fixture.venue.executionReports())
        await fixture.exchange.trade(StubFixture.bar("30000", "30000", "30000", "30000", at: Timestamp(millisecondsSinceEpoch: 0)), symbol: "BTCUSDT")
        await fixture.exchange.inject(.serverErrorAfterAccept)
        let request = VenueOrderRequest(clientOrderID: "unknown-1", symbol: StubFixture.symbol, side: .buy, quantity: FixedDecimal("0.01")!)
        let submission = try await fixture.venue.submit(request)
        guard case .unknown = submission else { Issue.record("expected unknown, got \(submission)"); return }
        // Asked again before it is resolved: not sent.
        guard case .unknown = try await fixture.venue.submit(request) else { Issue.record("a second submit must not send"); return }
        let resolved = try await fixture.venue.resolveUnknownOrders()
        #expect(resolved.placed == ["unknown-1"] && resolved.neverPlaced.isEmpty)
        let fill = try await reports.first { $0.clientOrderID == "unknown-1" && $0.kind == .fill }
        #expect(fill.fill?.quantity == FixedDecimal("0.01")!)
        #expect(await fixture.exchange.newOrderRequests["unknown-1"] == 1)
        #expect(await fixture.exchange.trades.count == 1)
    }

    @Test("a time-out after acceptance is UNKNOWN and resolves the same way")
    func timeoutAfterAccept() async throws {
        let fixture = try await StubFixture.start(submitTimeout: .seconds(1))
        defer { fixture.stop() }
        await fixture.exchange.trade(StubFixture.bar("30000", "30000", "30000", "30000", at: Timestamp(millisecondsSinceEpoch: 0)), symbol: "BTCUSDT")
        await fixture.exchange.inject(.timeoutAfterAccept(delay: .seconds(30)))
        let submission = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "slow-1", symbol: StubFixture.symbol, side: .buy,
                                                                          quantity: FixedDecimal("0.01")!))
        guard case .unknown = submission else { Issue.record("expected unknown, got \(submission)"); return }
        #expect(try await fixture.venue.resolveUnknownOrders().placed == ["slow-1"])
        #expect(await fixture.exchange.newOrderRequests["slow-1"] == 1)
    }

    @Test("a 5xx before acceptance: UNKNOWN until the receive window has passed, then never placed; still sent once")
    func serverErrorBeforeAccept() async throws {
        let fixture = try await StubFixture.start(receiveWindowMilliseconds: 300)
        defer { fixture.stop() }
        await fixture.exchange.trade(StubFixture.bar("30000", "30000", "30000", "30000", at: Timestamp(millisecondsSinceEpoch: 0)), symbol: "BTCUSDT")
        await fixture.exchange.inject(.serverErrorBeforeAccept)
        let reports = ReportCollector(await fixture.venue.executionReports())
        guard case .unknown = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "lost-1", symbol: StubFixture.symbol, side: .buy,
                                                                               quantity: FixedDecimal("0.01")!)) else { Issue.record("expected unknown"); return }
        #expect(try await fixture.venue.resolveUnknownOrders() == ([], []), "inside the receive window nothing is concluded")
        #expect(await fixture.venue.unresolved["lost-1"] != nil)
        // The receive window (300 ms here) and the one-second margin pass: the exchange can no longer accept it.
        try await Task.sleep(for: .milliseconds(1_400))
        let resolved = try await fixture.venue.resolveUnknownOrders()
        #expect(resolved.neverPlaced == ["lost-1"])
        let rejected = try await reports.first { $0.clientOrderID == "lost-1" && $0.kind == .rejected }
        #expect(rejected.reason?.contains("never placed") == true)
        #expect(await fixture.exchange.newOrderRequests["lost-1"] == 1)
        #expect(await fixture.exchange.ordersPlaced == 0)
    }

    @Test("a stepped exchange clock (-1021) resynchronises and retries once; the call succeeds")
    func timestampOutsideWindow() async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        await fixture.exchange.stepClock(byMilliseconds: 10_000)
        let balances = try await fixture.venue.balances()
        #expect(balances["USDT"] != nil)
        let offset = await fixture.rest.clockOffsetMilliseconds
        #expect(abs(offset - 10_000) < 1_000, "offset \(offset)")
    }

    @Test("a slow server-time round trip leaves the midpoint estimate ahead of the exchange; requests are stamped behind it and accepted")
    func slowClockReadingStampsBehind() async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        // The request takes 2.4 s and the time is read at its end: the midpoint estimate is 1.2 s ahead, past the 1 s the exchange allows.
        await fixture.exchange.setServerTimeAnswerDelay(.milliseconds(2_400))
        try await fixture.rest.synchroniseClock()
        #expect(await fixture.rest.clockUncertaintyMilliseconds >= 1_150)
        let stamp = await fixture.rest.signingTimestamp.millisecondsSinceEpoch
        let exchangeTime = await fixture.exchange.serverTime
        #expect(stamp <= exchangeTime + 50, "stamped \(stamp - exchangeTime) ms ahead of the exchange")
        await fixture.exchange.setServerTimeAnswerDelay(.zero)
        #expect(try await fixture.venue.balances()["USDT"] != nil)
        #expect(await fixture.exchange.timestampRefusals == 0)
    }

    @Test("synchronize asks the exchange only about working orders not heard of for the quiet period; poll asks about all")
    func quietOrdersArePolled() async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        await fixture.exchange.trade(StubFixture.bar("30000", "30000", "30000", "30000", at: Timestamp(millisecondsSinceEpoch: 0)), symbol: "BTCUSDT")
        await fixture.venue.setReferencePrice(FixedDecimal(30_000), for: StubFixture.symbol)
        let submission = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "quiet-1", symbol: StubFixture.symbol, side: .buy,
                                                                          type: .limit(Price("29000")!), quantity: FixedDecimal("0.01")!))
        guard case .accepted = submission else { Issue.record("expected an acceptance, got \(submission)"); return }
        // Just heard of (its answer): nothing is asked.
        var before = await fixture.exchange.requestCount
        try await fixture.venue.synchronize()
        #expect(await fixture.exchange.requestCount == before)
        // Quiet for longer than the period: asked once.
        await fixture.venue.setQuietPeriod(.milliseconds(50))
        try await Task.sleep(for: .milliseconds(80))
        before = await fixture.exchange.requestCount
        try await fixture.venue.synchronize()
        #expect(await fixture.exchange.requestCount == before + 1)
        // Heard of again by that query: not asked again until it has been quiet once more.
        before = await fixture.exchange.requestCount
        try await fixture.venue.synchronize()
        #expect(await fixture.exchange.requestCount == before)
        // An explicit poll asks about every working order.
        try await fixture.venue.poll()
        #expect(await fixture.exchange.requestCount == before + 1)
    }

    @Test("a 429 pauses every caller for its Retry-After; nothing is sent meanwhile")
    func rateLimited() async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        await fixture.exchange.inject(.rateLimit(retryAfterSeconds: 1))
        await #expect {
            _ = try await fixture.venue.balances()
        } throws: { error in (error as? VenueError)?.kind == .rateLimited }
        let before = await fixture.exchange.requestCount
        let started = ContinuousClock.now
        _ = try await fixture.venue.balances()
        #expect(ContinuousClock.now - started >= .milliseconds(900), "the next call waited for Retry-After")
        #expect(await fixture.exchange.requestCount == before + 1)
    }

    @Test("each request is counted for the endpoint's system signature: answers succeed, a 429 and no connection fail")
    func requestsAreObserved() async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        let time = Mutex(Timestamp(millisecondsSinceEpoch: 0))
        let observations = SystemObservations(windowSeconds: 60, clock: { time.withLock { $0 } })
        let clock: @Sendable () -> Timestamp = { Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000)) }
        let rest = BinanceRESTClient(baseURL: fixture.endpoints.tradingRESTURL, credentials: nil, budget: BinanceRateBudget(now: clock), clock: clock,
                                     timeout: .seconds(60), observations: observations)
        _ = try await rest.serverTime()
        _ = try await rest.serverTime()
        await fixture.exchange.inject(.rateLimit(retryAfterSeconds: 1))
        await #expect(throws: VenueError.self) { _ = try await rest.serverTime() }
        // A closed port: nothing answers.
        let closed = BinanceRESTClient(baseURL: "http://127.0.0.1:1", credentials: nil, budget: BinanceRateBudget(now: clock), clock: clock,
                                       timeout: .seconds(5), observations: observations)
        await #expect(throws: (any Error).self) { _ = try await closed.serverTime() }
        time.withLock { $0 = Timestamp(millisecondsSinceEpoch: 60_000) }
        let windows = observations.takeClosedWindows()
        #expect(windows.map(\.subject) == ["binance GET /api/v3/time"])
        #expect(windows.first?.kind == .venue && windows.first?.cell.weight == 4 && windows.first?.cell.errors == 2)
    }

    @Test("a 418 stops every request until the ban ends, failing at once without sending")
    func banned() async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        await fixture.exchange.inject(.ban(retryAfterSeconds: 120))
        await #expect { _ = try await fixture.venue.balances() } throws: { error in (error as? VenueError)?.kind == .banned }
        let count = await fixture.exchange.requestCount
        for _ in 0..<3 {
            await #expect { _ = try await fixture.venue.openOrders(symbols: [StubFixture.symbol]) } throws: { error in (error as? VenueError)?.kind == .banned }
        }
        #expect(await fixture.exchange.requestCount == count, "no request reached the exchange while banned")
        #expect(await fixture.budget.banEnds != nil)
    }

    @Test("many callers on several symbols never exceed the exchange's weight limit: the shared budget makes them wait")
    func budgetHolds() async throws {
        // A small limit (200 weight a minute) so the test needs no minute of traffic: 30 calls of 20 weight need 600.
        let fixture = try await StubFixture.start(weightLimitPerMinute: 200, virtualClock: VirtualClock())
        defer { fixture.stop() }
        _ = try await fixture.venue.instrumentRules(for: [StubFixture.symbol])
        let usage = await fixture.budget.usage
        #expect(usage.first { $0.type == "REQUEST_WEIGHT" }?.limit == 200)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { _ = try? await fixture.venue.balances() }
            }
        }
        let breaches = await fixture.exchange.limitBreaches
        #expect(breaches == 0)
        let waited = await fixture.budget.waits
        #expect(waited > 0, "calls beyond 80 % of 200 weight waited for the next minute")
    }

    @Test("fills are listed from myTrades with their client order ids, across pages")
    func fillsAcrossPages() async throws {
        let fixture = try await StubFixture.start()
        defer { fixture.stop() }
        await fixture.exchange.trade(StubFixture.bar("30000", "30000", "30000", "30000", at: Timestamp(millisecondsSinceEpoch: 0)), symbol: "BTCUSDT")
        await fixture.exchange.setTradesPerMarketFill(3)
        let start = await fixture.rest.serverTimeEstimate.adding(milliseconds: -1_000)
        for index in 1...3 {
            _ = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "page-\(index)", symbol: StubFixture.symbol, side: .buy, quantity: FixedDecimal("0.003")!))
        }
        let fresh = BinanceVenue(rest: fixture.rest, budget: fixture.budget)
        let fills = try await fresh.fills(symbol: StubFixture.symbol, since: start)
        #expect(fills.count == 9)
        #expect(Set(fills.map(\.clientOrderID)) == ["page-1", "page-2", "page-3"])
        #expect(fills.reduce(FixedDecimal.zero) { $0 + $1.quantity } == FixedDecimal("0.009")!)
    }
}

