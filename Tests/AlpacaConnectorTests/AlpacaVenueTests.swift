import AlpacaConnector
import AlpacaStub
import Foundation
import Synchronization
import Testing
import TestSupport
import TradingCore
import TradingEngine

@Suite("Alpaca venue against the stub broker", .serialized)
struct AlpacaVenueTests {
    @Test("the venue conformance suite", arguments: VenueConformance.caseNames)
    func conformance(name: String) async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        try await VenueConformance.run(name, on: AlpacaHarness(fixture))
    }

    @Test("a stop-limit day order goes to the broker with both prices and its time in force, rests, and fills once the stop trades")
    func stopLimitDayOrder() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        let symbol = Symbol("AAPL")!
        let reports = ReportCollector(await fixture.venue.executionReports())
        let request = VenueOrderRequest(clientOrderID: "sl-1", symbol: symbol, side: .buy, type: .stopLimit(stop: Price("101")!, limit: Price("101.5")!),
                                        quantity: FixedDecimal(2), timeInForce: .day)
        guard case .accepted(let state) = try await fixture.venue.submit(request) else { Issue.record("not accepted"); return }
        #expect(state.type == .stopLimit(stop: Price("101")!, limit: Price("101.5")!), "the broker's order reads back as a stop-limit")
        let sent = try #require(await fixture.broker.orders.first)
        #expect(sent.type == "stop_limit" && sent.timeInForce == "day" && sent.stopPrice == FixedDecimal(101) && sent.limitPrice == FixedDecimal("101.5")!)
        func bar(_ open: String, _ high: String, _ low: String, _ minute: Int64) -> Bar {
            try! Bar(openTime: Timestamp(millisecondsSinceEpoch: minute * 60_000), open: Price(open)!, high: Price(high)!, low: Price(low)!, close: Price(open)!, volume: nil)
        }
        await fixture.broker.trade(bar("100", "100.5", "99.5", 1), symbol: "AAPL")
        #expect(await fixture.broker.fills.isEmpty, "the stop has not traded")
        await fixture.broker.trade(bar("100.5", "102", "100", 2), symbol: "AAPL")
        try await fixture.venue.synchronize()
        let fill = try await reports.first { $0.clientOrderID == "sl-1" && $0.kind == .fill }
        #expect(fill.fill?.price == FixedDecimal(101) && fill.fill?.quantity == FixedDecimal(2))
    }

    @Test("whole shares where the asset is not fractionable, fractions where it is: refused before sending, naming the reason")
    func fractionalAndWholeShares() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        let whole = Symbol("BRK.A")!, fractional = Symbol("AAPL")!
        await fixture.venue.setReferencePrice(FixedDecimal(100), for: whole)
        await fixture.venue.setReferencePrice(FixedDecimal(100), for: fractional)
        let before = await fixture.broker.requestCount
        let refused = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "frac-1", symbol: whole, side: .buy, quantity: FixedDecimal("0.5")!))
        guard case .rejected(let reason) = refused else { Issue.record("a fraction of BRK.A was not refused: \(refused)"); return }
        #expect(reason.contains("not fractionable") && reason.contains("whole shares"), "\(reason)")
        // Only the asset was read; no order was sent.
        let afterRefusal = await fixture.broker.requestCount, ordersAfterRefusal = await fixture.broker.orders
        #expect(afterRefusal == before + 1 && ordersAfterRefusal.isEmpty)
        let shares = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "whole-1", symbol: whole, side: .buy, quantity: FixedDecimal(2)))
        let fraction = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "frac-2", symbol: fractional, side: .buy, quantity: FixedDecimal("0.123456789")!))
        guard case .accepted = shares, case .accepted = fraction else { Issue.record("\(shares), \(fraction)"); return }
        let sent = await fixture.broker.orders
        // A fraction is sent as a day order, as Alpaca requires; whole shares keep good-till-cancelled.
        #expect(sent.map(\.timeInForce) == ["gtc", "day"] && sent.map(\.quantity) == [FixedDecimal(2), FixedDecimal("0.123456789")!])
        let tooFine = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "frac-3", symbol: fractional, side: .buy, quantity: FixedDecimal("0.0000000001")!))
        guard case .rejected = tooFine else { Issue.record("a quantity finer than 10⁻⁹ share was not refused: \(tooFine)"); return }
        let cheap = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "frac-4", symbol: fractional, side: .buy, quantity: FixedDecimal("0.001")!))
        guard case .rejected(let notional) = cheap else { Issue.record("an order under Alpaca's $1 was not refused: \(cheap)"); return }
        #expect(notional.contains("NOTIONAL"), "\(notional)")
    }

    @Test("an order beyond buying power is refused by the broker with its reason; an unknown symbol is a clear error")
    func refusals() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        let symbol = Symbol("AAPL")!
        await fixture.broker.trade(AlpacaStubFixture.bar("100", "100", "100", "100", at: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)), symbol: "AAPL")
        await fixture.venue.setReferencePrice(FixedDecimal(100), for: symbol)
        let big = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "big-1", symbol: symbol, side: .buy, quantity: FixedDecimal(5_000)))
        guard case .rejected(let reason) = big else { Issue.record("\(big)"); return }
        #expect(reason.contains("insufficient buying power") && reason.contains("403"), "\(reason)")
        await #expect(throws: VenueError.self) { _ = try await fixture.venue.instrumentRules(for: [Symbol("NOPE")!]) }
        do {
            _ = try await fixture.venue.instrumentRules(for: [Symbol("NOPE")!])
        } catch let error as VenueError {
            #expect(error.kind == .unknownSymbol && error.message.contains("NOPE"))
        }
    }

    @Test("polling reads the working orders' states in one request, and reports an order cancelled at the broker")
    func pollingInOneRequest() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        let reports = ReportCollector(await fixture.venue.executionReports())
        for (index, symbol) in ["AAPL", "AAPL", "BRK.A"].enumerated() {
            let submitted = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "rest-\(index)", symbol: Symbol(symbol)!, side: .buy,
                                                                             type: .limit(Price("50")!), quantity: FixedDecimal(1)))
            guard case .accepted = submitted else { Issue.record("\(submitted)"); return }
        }
        // Cancelled at the broker (another client of the account): the poll finds it.
        let order = try #require(await fixture.broker.orders.first { $0.clientOrderID == "rest-1" })
        _ = await fixture.broker.answer(method: "DELETE", path: "/v2/orders/\(order.id)", query: [:],
                                        headers: ["apca-api-key-id": AlpacaStubFixture.keyID, "apca-api-secret-key": AlpacaStubFixture.secret], body: "")
        let before = await fixture.broker.requestCount
        try await fixture.venue.poll()
        let requests = await fixture.broker.requestCount - before
        #expect(requests == 2, "the FILL activities and one list of orders, not one request per order: \(requests)")
        let cancelled = try await reports.first { $0.clientOrderID == "rest-1" && $0.kind == .cancelled }
        #expect(cancelled.clientOrderID == "rest-1")
    }

    @Test("a 403 outside an order is a clear error naming the key's settings; on an order it is the broker's refusal")
    func forbidden() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        await fixture.broker.forbid(next: 1)
        do {
            _ = try await fixture.venue.balances()
            Issue.record("a 403 was not an error")
        } catch let error as VenueError {
            #expect(error.kind == .unauthorized && error.message.contains("403") && error.message.contains("APCA_API_KEY_ID"), "\(error)")
            #expect(!error.message.contains(AlpacaStubFixture.secret))
        }
    }

    @Test("a wrong key is refused with an error naming APCA_API_KEY_ID and APCA_API_SECRET_KEY, never the secret")
    func wrongKey() async throws {
        let fixture = try await AlpacaStubFixture.start(credentials: AlpacaCredentials(keyID: "PKWRONG", secret: "wrong-secret-value"))
        defer { fixture.stop() }
        do {
            _ = try await fixture.venue.balances()
            Issue.record("a wrong key was accepted")
        } catch let error as VenueError {
            #expect(error.kind == .unauthorized && error.message.contains("APCA_API_KEY_ID") && error.message.contains("APCA_API_SECRET_KEY"))
            #expect(!error.message.contains("wrong-secret-value") && !String(describing: error).contains("wrong-secret-value"))
        }
        #expect(String(describing: AlpacaCredentials(keyID: "PK1", secret: "s3cr3t")) == "Alpaca key (id and secret hidden)")
    }

    @Test("a 500 after the broker accepted an order is an unknown outcome, resolved by its client order id: one order, never sent twice")
    func unknownOutcomeResolved() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        let symbol = Symbol("AAPL")!
        await fixture.venue.setReferencePrice(FixedDecimal(100), for: symbol)
        await fixture.broker.inject(failNextSubmitAfterAccepting: 500)
        let reports = ReportCollector(await fixture.venue.executionReports())
        let request = VenueOrderRequest(clientOrderID: "lost-1", symbol: symbol, side: .buy, quantity: FixedDecimal(3))
        let first = try await fixture.venue.submit(request)
        guard case .unknown = first else { Issue.record("\(first)"); return }
        #expect(await fixture.venue.unresolved["lost-1"] != nil)
        let resolved = try await fixture.venue.resolveUnknownOrders()
        #expect(resolved.placed == ["lost-1"] && resolved.neverPlaced.isEmpty)
        _ = try await reports.first { $0.clientOrderID == "lost-1" && $0.kind == .accepted }
        // Submitting it again answers the order that exists.
        guard case .accepted(let state) = try await fixture.venue.submit(request) else { Issue.record("not accepted"); return }
        let placed = await fixture.broker.orders
        #expect(state.clientOrderID == "lost-1" && placed.count == 1)
        await fixture.broker.trade(AlpacaStubFixture.bar("101", "102", "100", "101", at: Timestamp(millisecondsSinceEpoch: 1_700_000_060_000)), symbol: "AAPL")
        try await fixture.venue.synchronize()
        let fill = try await reports.first { $0.clientOrderID == "lost-1" && $0.kind == .fill }
        #expect(fill.fill?.price == FixedDecimal(101) && fill.cumulativeQuantity == FixedDecimal(3))
    }

    @Test("a time-out after the broker accepted an order finds the order; one the broker never received is dropped as never placed once its window has passed")
    func timeOuts() async throws {
        let fixture = try await AlpacaStubFixture.start(submitTimeout: .milliseconds(500), unknownOrderWindow: .zero)
        defer { fixture.stop() }
        let symbol = Symbol("AAPL")!
        await fixture.venue.setReferencePrice(FixedDecimal(100), for: symbol)
        let reports = ReportCollector(await fixture.venue.executionReports())
        await fixture.broker.inject(delayNextSubmit: .seconds(2))
        let late = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "slow-1", symbol: symbol, side: .buy, quantity: FixedDecimal(1)))
        guard case .unknown = late else { Issue.record("\(late)"); return }
        await fixture.broker.inject(loseNextSubmit: .seconds(2))
        let lost = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "lost-2", symbol: symbol, side: .buy, quantity: FixedDecimal(1)))
        guard case .unknown = lost else { Issue.record("\(lost)"); return }
        let resolved = try await fixture.venue.resolveUnknownOrders()
        #expect(resolved.placed == ["slow-1"] && resolved.neverPlaced == ["lost-2"])
        let rejected = try await reports.first { $0.clientOrderID == "lost-2" && $0.kind == .rejected }
        #expect(rejected.reason?.contains("never placed") == true)
        let stored = await fixture.broker.orders, unresolved = await fixture.venue.unresolved
        #expect(stored.map(\.clientOrderID) == ["slow-1"] && unresolved.isEmpty)
    }

    @Test("after a restart a fresh venue names each fill's order and engine symbol, and a client order id sent before answers its own order, never another")
    func restart() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        let crypto = Symbol("BTC-USD")!, stock = Symbol("AAPL")!
        await fixture.venue.setReferencePrice(FixedDecimal(100), for: crypto)
        await fixture.venue.setReferencePrice(FixedDecimal(100), for: stock)
        _ = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "before-1", symbol: crypto, side: .buy, quantity: FixedDecimal("0.01")!))
        _ = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "before-2", symbol: stock, side: .buy, quantity: FixedDecimal(2)))
        await fixture.broker.trade(AlpacaStubFixture.bar("100", "100", "100", "100", at: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)), symbol: "BTC/USD")
        await fixture.broker.trade(AlpacaStubFixture.bar("100", "100", "100", "100", at: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)), symbol: "AAPL")
        // A new process: nothing known.
        let fresh = AlpacaVenue(rest: fixture.rest, clock: { AlpacaStubFixture.wallClock() })
        let cryptoFills = try await fresh.fills(symbol: crypto, since: Timestamp(millisecondsSinceEpoch: 0))
        #expect(cryptoFills.map(\.clientOrderID) == ["before-1"] && cryptoFills.first?.quantity == FixedDecimal("0.01")!)
        #expect(try await fresh.fills(symbol: stock, since: Timestamp(millisecondsSinceEpoch: 0)).map(\.clientOrderID) == ["before-2"])
        // The same request again (a restart resending an order in flight): Alpaca answers 422, the existing order is the answer.
        await fresh.setReferencePrice(FixedDecimal(100), for: stock)
        let again = try await fresh.submit(VenueOrderRequest(clientOrderID: "before-2", symbol: stock, side: .buy, quantity: FixedDecimal(2)))
        guard case .accepted(let state) = again else { Issue.record("\(again)"); return }
        let placed = await fixture.broker.orders
        #expect(state.status == .filled && placed.count == 2)
        // A process that knows nothing sends it: Alpaca's 422 (the id is taken) leads to the order that holds it.
        let third = AlpacaVenue(rest: fixture.rest, clock: { AlpacaStubFixture.wallClock() })
        await third.setReferencePrice(FixedDecimal(100), for: stock)
        let reports = ReportCollector(await third.executionReports())
        guard case .accepted(let found) = try await third.submit(VenueOrderRequest(clientOrderID: "before-2", symbol: stock, side: .buy, quantity: FixedDecimal(2))) else {
            Issue.record("the 422 path did not answer the existing order"); return
        }
        let stillTwo = await fixture.broker.orders.count
        #expect(found.venueOrderID == state.venueOrderID && stillTwo == 2)
        _ = try await reports.first { $0.clientOrderID == "before-2" && $0.kind == .accepted }
        let mismatch = try await AlpacaVenue(rest: fixture.rest, clock: { AlpacaStubFixture.wallClock() })
            .submit(VenueOrderRequest(clientOrderID: "before-2", symbol: stock, side: .sell, quantity: FixedDecimal(2)))
        guard case .rejected = mismatch else { Issue.record("the 422 path adopted another order: \(mismatch)"); return }
        // Another order under a used id (the books were reset): refused, never adopted.
        let other = try await fresh.submit(VenueOrderRequest(clientOrderID: "before-1", symbol: crypto, side: .buy, quantity: FixedDecimal("0.02")!))
        guard case .rejected(let reason) = other else { Issue.record("a used id was adopted: \(other)"); return }
        #expect(reason.contains("belongs to another order"), "\(reason)")
    }

    @Test("the budget keeps the process under the broker's limit: requests past it wait for the window, and the broker refuses none")
    func budgetWaits() async throws {
        let time = VirtualTime()
        let broker = AlpacaStubBroker(assets: [.init(symbol: "AAPL")], cash: FixedDecimal(1_000), keyID: AlpacaStubFixture.keyID, secret: AlpacaStubFixture.secret,
                                      requestLimitPerMinute: 20, clock: { time.now() })
        let server = AlpacaStubServer(broker: broker)
        try await server.start()
        defer { server.stop() }
        let budget = AlpacaRateBudget(limitPerMinute: 20, now: { Timestamp(millisecondsSinceEpoch: time.now()) }, sleep: { time.sleep($0) })
        let rest = AlpacaRESTClient(baseURL: AlpacaEndpoints.local(port: server.port).tradingURL,
                                    credentials: AlpacaCredentials(keyID: AlpacaStubFixture.keyID, secret: AlpacaStubFixture.secret), budget: budget,
                                    clock: { Timestamp(millisecondsSinceEpoch: time.now()) }, timeout: .seconds(60))
        for _ in 0..<45 { _ = try await rest.get("/v2/account") }
        let answered = await broker.requestCount, refused = await broker.rateLimitedCount, waits = await budget.waits
        #expect(answered == 45 && refused == 0 && waits >= 2, "\(answered) answered, \(refused) refused, \(waits) waits")
    }

    @Test("a 429 pauses every caller until the broker's reset, and the budget keeps the process under 200 requests a minute")
    func rateLimit() async throws {
        let slept = SleepRecorder()
        let fixture = try await AlpacaStubFixture.start(limitPerMinute: 200, sleep: { duration in await slept.record(duration) })
        defer { fixture.stop() }
        await fixture.broker.inject(rateLimits: 1)
        do {
            _ = try await fixture.venue.balances()
            Issue.record("a 429 was not reported")
        } catch let error as VenueError {
            #expect(error.kind == .rateLimited && error.retryAt != nil)
        }
        // The next call waits for the reset before it is sent.
        _ = try await fixture.venue.balances()
        let sleeps = await slept.count, limited = await fixture.budget.rateLimitResponses
        #expect(sleeps >= 1 && limited == 1)
        #expect(await fixture.budget.allowed == 180)
    }
}

/// Time that sleeping moves forward at once (shared by the stub broker and the budget).
final class VirtualTime: Sendable {
    private let milliseconds = Mutex<Int64>(1_700_000_000_000)
    func now() -> Int64 { milliseconds.withLock { $0 } }
    func sleep(_ duration: Duration) {
        milliseconds.withLock { $0 += max(1, duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000) }
    }
}

/// Records the budget's sleeps and lets them pass at once.
actor SleepRecorder {
    private(set) var durations: [Duration] = []
    var count: Int { durations.count }
    func record(_ duration: Duration) async {
        durations.append(duration)
        // Real time passes a little, so the pause it waited for ends.
        try? await Task.sleep(for: .milliseconds(min(1_100, duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000)))
    }
}
