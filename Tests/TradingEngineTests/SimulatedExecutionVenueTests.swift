import Synchronization
import TestSupport
import Testing
import TradingCore
import TradingEngine

/// The simulator behind the venue port, driven bar by bar.
final class SimulatedHarness: VenueHarness {
    let simulated: SimulatedExecutionVenue
    let minute = Mutex<Int64>(0)
    var venue: any ExecutionVenue { simulated }
    let symbol = Symbol("BTCUSDT")!
    let quoteAsset = "USD"

    init() {
        simulated = SimulatedExecutionVenue(model: SimulatedVenue(commissionRate: FixedDecimal("0.001")!, lotSize: FixedDecimal("0.001")!,
                                                                  tickSize: FixedDecimal("0.01")!, minimumNotional: FixedDecimal(5)),
                                            cash: FixedDecimal(100_000), start: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000))
    }

    func trade(open: String, high: String, low: String, close: String) async throws {
        let index = minute.withLock { value -> Int64 in
            value += 1
            return value
        }
        let bar = try Bar(openTime: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + index * 60_000), open: Price(open)!, high: Price(high)!,
                          low: Price(low)!, close: Price(close)!, volume: nil)
        try await simulated.trade(bar, symbol: symbol, timeframe: .oneMinute)
    }
}

@Suite("Simulated execution venue")
struct SimulatedExecutionVenueTests {
    @Test("the venue conformance suite", arguments: VenueConformance.caseNames)
    func conformance(name: String) async throws {
        try await VenueConformance.run(name, on: SimulatedHarness())
    }

    @Test("a limit buy rests until a bar's low reaches it, then fills at the limit")
    func limitRests() async throws {
        let harness = SimulatedHarness()
        let reports = ReportCollector(await harness.venue.executionReports())
        try await harness.trade(open: "100", high: "101", low: "99", close: "100")
        _ = try await harness.venue.submit(VenueOrderRequest(clientOrderID: "l1", symbol: harness.symbol, side: .buy, type: .limit(Price("95")!),
                                                             quantity: FixedDecimal(1)))
        try await harness.trade(open: "100", high: "101", low: "96", close: "100")
        #expect(try await harness.venue.order(clientOrderID: "l1", symbol: harness.symbol)?.status == .accepted)
        try await harness.trade(open: "99", high: "99", low: "94", close: "95")
        let fill = try await reports.first { $0.clientOrderID == "l1" && $0.kind == .fill }
        #expect(fill.fill?.price == FixedDecimal(95) && fill.fill?.fee == FixedDecimal("0.095")!)
    }

    @Test("a day order not filled by the end of its UTC day expires; a gtc one keeps working")
    func dayOrdersExpire() async throws {
        let harness = SimulatedHarness()
        let reports = ReportCollector(await harness.venue.executionReports())
        try await harness.trade(open: "100", high: "101", low: "99", close: "100")
        for (id, timeInForce) in [("d1", VenueOrderRequest.TimeInForce.day), ("g1", .goodTillCancelled)] {
            _ = try await harness.venue.submit(VenueOrderRequest(clientOrderID: id, symbol: harness.symbol, side: .buy, type: .limit(Price("90")!),
                                                                 quantity: FixedDecimal(1), timeInForce: timeInForce))
        }
        try await harness.trade(open: "100", high: "101", low: "99", close: "100")
        #expect(try await harness.venue.order(clientOrderID: "d1", symbol: harness.symbol)?.status == .accepted)
        // The next bar opens on the next UTC day (the harness's bars are a minute apart from 22:13 UTC).
        for _ in 0..<110 { try await harness.trade(open: "100", high: "101", low: "99", close: "100") }
        let expired = try await reports.first { $0.clientOrderID == "d1" && $0.kind == .expired }
        #expect(expired.reason?.contains("day") == true)
        #expect(try await harness.venue.order(clientOrderID: "g1", symbol: harness.symbol)?.status == .accepted)
    }

    @Test("a sell of more than the account holds is refused")
    func oversell() async throws {
        let harness = SimulatedHarness()
        try await harness.trade(open: "100", high: "101", low: "99", close: "100")
        let submission = try await harness.venue.submit(VenueOrderRequest(clientOrderID: "s1", symbol: harness.symbol, side: .sell, quantity: FixedDecimal(1)))
        guard case .rejected(let reason) = submission else { Issue.record("expected a refusal, got \(submission)"); return }
        #expect(reason.contains("insufficient balance"))
    }

    @Test("the replay feed emits connected, then every bar in time order across symbols, then ends")
    func replayFeed() async throws {
        func bar(_ minute: Int64, _ price: String) -> Bar {
            try! Bar(openTime: Timestamp(millisecondsSinceEpoch: minute * 60_000), open: Price(price)!, high: Price(price)!, low: Price(price)!,
                     close: Price(price)!, volume: nil)
        }
        let a = Symbol("AAA")!, b = Symbol("BBB")!
        let feed = ReplayFeed(bars: [a: [bar(0, "1"), bar(1, "2")], b: [bar(0, "3"), bar(1, "4")]], timeframe: .oneMinute)
        var events: [FeedEvent] = []
        for try await event in await feed.events(symbols: [b, a], timeframe: .oneMinute) { events.append(event) }
        #expect(events == [.connected, .barClosed(symbol: a, timeframe: .oneMinute, bar: bar(0, "1")), .barClosed(symbol: b, timeframe: .oneMinute, bar: bar(0, "3")),
                           .barClosed(symbol: a, timeframe: .oneMinute, bar: bar(1, "2")), .barClosed(symbol: b, timeframe: .oneMinute, bar: bar(1, "4"))])
        let history = try await feed.history(symbol: a, timeframe: .oneMinute, range: Timestamp(millisecondsSinceEpoch: 60_000)..<Timestamp(millisecondsSinceEpoch: 120_000))
        #expect(history == [bar(1, "2")])
    }
}
