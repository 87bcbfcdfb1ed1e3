@testable import AlpacaConnector
import AlpacaStub
import Foundation
import Testing
import TestSupport
import TradingCore
import TradingEngine

@Suite("Alpaca messages and bars")
struct AlpacaMessageTests {
    static func fixture(_ name: String) throws -> AlpacaJSON {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/AlpacaConnectorTests/Fixtures/\(name)")
        return try AlpacaJSON(parsing: [UInt8](Data(contentsOf: url)))
    }

    @Test("a request path is one signature subject per endpoint: ids and symbols become placeholders", arguments: [
        ("/v2/orders/61e69015-8549-4bfd-b9c3-01e75843f47d", "/v2/orders/{id}"), ("/v2/assets/BTC%2FUSD", "/v2/assets/{symbol}"),
        ("/v2/orders", "/v2/orders"), ("/v2/orders/", "/v2/orders/"), ("/v2/orders:by_client_order_id", "/v2/orders:by_client_order_id"),
        ("/v2/account/activities/FILL", "/v2/account/activities/FILL"),
    ])
    func routeTemplates(path: String, template: String) {
        #expect(AlpacaRESTClient.routeTemplate(path) == template)
    }

    @Test("bar prices written as JSON numbers are read as exact decimals, not through binary floating point")
    func exactBars() throws {
        let page = try Self.fixture("alpaca_bars_page1.json")["body"]!
        let bar = try AlpacaBarHistory.bar(page["bars"]!["AAPL"]!.array![0], symbol: "AAPL")
        #expect(bar.open.value == FixedDecimal("168.77")! && bar.close.value == FixedDecimal("166.975")! && bar.high.value == FixedDecimal("169.03")!)
        #expect(bar.volume?.value == FixedDecimal(40_180_280) && bar.openTime == Timestamp(iso8601: "2022-04-11T04:00:00Z")!)
        // More digits than fixed point holds are refused, not rounded; an exponent is read exactly.
        #expect(AlpacaOrderMessages.decimal(try AlpacaJSON(parsing: "0.30000000000000000001")) == nil)
        #expect(AlpacaOrderMessages.decimal(try AlpacaJSON(parsing: "4.0E7")) == FixedDecimal(40_000_000))
        #expect(AlpacaOrderMessages.decimal(try AlpacaJSON(parsing: "\"0.000000001\"")) == FixedDecimal("0.000000001")!)
    }

    @Test("a stream message of bars reads the same by the fast path as by the general reader; anything else goes to the general reader", arguments: [
        #"[{"T":"b","S":"FAKEPACA","o":132.65,"h":136,"l":132.12,"c":134.65,"v":205,"t":"2024-07-24T07:56:00Z","n":16,"vw":133.7}]"#,
        #"[{"T":"b","S":"AAPL","o":1.5,"h":2,"l":1,"c":1.75,"v":0.001,"t":"2024-07-24T07:56:00.000000000Z"},{"T":"b","S":"BTC/USD","o":65000.125,"h":65001,"l":64999,"c":65000,"v":1.25E-2,"t":"2024-07-24T07:57:00Z"}]"#,
    ])
    func fastBars(message: String) throws {
        let fast = try #require(try AlpacaMarketDataFeed.fastBars(Array(message.utf8)))
        let items = try AlpacaJSON(parsing: message).array!
        let general = try items.map { try AlpacaBarHistory.bar($0, symbol: $0["S"]!.string!) }
        let symbols = items.map { $0["S"]!.string! }
        #expect(fast.map(\.bar) == general && fast.map(\.symbol) == symbols)
    }

    @Test("control messages and malformed bars are not taken by the fast path", arguments: [
        #"[{"T":"success","msg":"authenticated"}]"#, #"[{"T":"subscription","bars":["AAPL"]}]"#,
        #"[{"T":"b","S":"AAPL","o":"x","h":1,"l":1,"c":1,"t":"2024-07-24T07:56:00Z"}]"#, #"[{"T":"b","S":"AAPL","o":1,"h":1,"l":1,"c":1,"t":"yesterday"}]"#,
        "not json", #"{"T":"b"}"#,
    ])
    func notFast(message: String) throws {
        let fast = try AlpacaMarketDataFeed.fastBars(Array(message.utf8))
        #expect(fast == nil)
    }

    @Test("the documented order object reads as the engine's order state; nanosecond times keep their milliseconds")
    func orderObject() throws {
        let body = try Self.fixture("alpaca_order.json")["body"]!
        let state = try AlpacaOrderMessages.state(body, symbol: Symbol("AAPL")!)
        #expect(state.clientOrderID == "eb9e2aaa-f71a-4f51-b5b4-52a6c565dad4" && state.venueOrderID == "61e69015-8549-4bfd-b9c3-01e75843f47d")
        #expect(state.status == .accepted && state.side == .buy && state.filledQuantity == .zero)
        #expect(state.updatedAt == Timestamp(iso8601: "2021-03-16T18:38:01.942Z")!)
        #expect(AlpacaOrderMessages.time(.string("2024-01-02T09:30:00.123456789-05:00")) == Timestamp(iso8601: "2024-01-02T14:30:00.123Z")!)
        for (text, status) in [("new", OrderStatus.accepted), ("partially_filled", .partiallyFilled), ("filled", .filled), ("canceled", .cancelled),
                               ("expired", .expired), ("done_for_day", .accepted), ("rejected", .rejected), ("pending_cancel", .accepted)] {
            #expect(AlpacaOrderMessages.status(text) == status, "\(text)")
        }
    }

    @Test("a request body carries the client order id, exact quantities and prices; a fraction of a stock is a day order", arguments: [
        ("AAPL", "2", OrderType.market, "gtc", "market"),
        ("AAPL", "0.5", OrderType.market, "day", "market"),
        ("BTC/USD", "0.0001", OrderType.market, "gtc", "market"),
        ("AAPL", "3", OrderType.limit(Price(FixedDecimal("187.125")!)), "gtc", "limit"),
        ("AAPL", "3", OrderType.stop(Price(FixedDecimal("180")!)), "gtc", "stop"),
        ("AAPL", "3", OrderType.stopLimit(stop: Price(FixedDecimal("180")!), limit: Price(FixedDecimal("187.125")!)), "gtc", "stop_limit"),
    ])
    func requestBodies(symbol: String, quantity: String, type: OrderType, timeInForce: String, typeName: String) {
        let request = VenueOrderRequest(clientOrderID: "run-7-42", symbol: Symbol(symbol.replacingOccurrences(of: "/", with: "-"))!, side: .buy, type: type,
                                        quantity: FixedDecimal(quantity)!)
        let body = Dictionary(uniqueKeysWithValues: AlpacaOrderMessages.body(request, symbol: symbol))
        #expect(body["qty"] == quantity && body["time_in_force"] == timeInForce && body["type"] == typeName && body["client_order_id"] == "run-7-42")
        #expect(body["limit_price"] == type.limitPrice?.value.description && body["stop_price"] == type.stopPrice?.value.description)
    }

    @Test("malformed JSON is refused with its offset, never a crash", arguments: ["", "{", "[1,]", "{\"a\" 1}", "\"unterminated", "01", "1.", "-", "tru",
                                                                                  "{\"a\":1} x", String(repeating: "[", count: 100) + String(repeating: "]", count: 100)])
    func malformed(text: String) {
        #expect(throws: AlpacaJSON.SyntaxError.self) { _ = try AlpacaJSON(parsing: text) }
    }

    @Test("strings with escapes and surrogate pairs read as written")
    func strings() throws {
        #expect(try AlpacaJSON(parsing: #"{"m":"a\"b\\c\n\u00e9\ud83d\ude00"}"#)["m"]?.string == "a\"b\\c\né😀")
    }

    @Test("engine symbols map to Alpaca's names: a pair with a dash or a slash is crypto, the rest are stocks")
    func symbols() {
        #expect(AlpacaMarketSymbol(Symbol("BTC-USD")!).alpacaName == "BTC/USD" && AlpacaMarketSymbol(Symbol("BTC-USD")!).isCrypto)
        #expect(AlpacaMarketSymbol(Symbol("AAPL")!).alpacaName == "AAPL" && !AlpacaMarketSymbol(Symbol("AAPL")!).isCrypto)
        #expect(AlpacaMarketSymbol.barLength(.oneDay) == "1Day" && AlpacaMarketSymbol.barLength(.fifteenMinutes) == "15Min")
    }

    @Test("bars are read across pages by next_page_token, stocks and crypto, in order and exactly once", arguments: [("AAPL", 7), ("BTC/USD", 3), ("AAPL", 10_000)])
    func paging(symbol: String, pageSize: Int) async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        let origin = Timestamp(iso8601: "2024-01-02T14:30:00Z")!
        let series = (0..<40).map { index in
            AlpacaStubFixture.bar("100.\(index)5", "101.25", "99.125", "100.\(index)", at: origin.adding(milliseconds: Int64(index) * 900_000))
        }
        await fixture.broker.setBars(series, symbol: symbol)
        let data = AlpacaRESTClient(baseURL: fixture.endpoints.dataURL, credentials: AlpacaCredentials(keyID: AlpacaStubFixture.keyID, secret: AlpacaStubFixture.secret),
                                    budget: fixture.budget, clock: { AlpacaStubFixture.wallClock() }, timeout: .seconds(60))
        let history = AlpacaBarHistory(rest: data, pageSize: pageSize)
        let engineSymbol = Symbol(symbol.replacingOccurrences(of: "/", with: "-"))!
        let before = await fixture.broker.requestCount
        let bars = try await history.bars(engineSymbol, timeframe: .fifteenMinutes, range: origin.adding(milliseconds: 900_000)..<origin.adding(milliseconds: 36 * 900_000))
        #expect(bars == Array(series[1..<36]))
        #expect(await fixture.broker.requestCount - before == (35 + pageSize - 1) / pageSize)
    }
}
