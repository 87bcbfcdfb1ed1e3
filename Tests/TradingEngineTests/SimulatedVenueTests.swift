import Testing
import TradingCore
import TradingEngine

@Suite("Simulated venue")
struct SimulatedVenueTests {
    static let time = Timestamp(iso8601: "2024-03-01")!

    static func bar(_ open: String, _ high: String, _ low: String, _ close: String) -> Bar {
        try! Bar(openTime: time, open: Price(open)!, high: Price(high)!, low: Price(low)!, close: Price(close)!, volume: nil)
    }

    static func order(_ side: OrderSide, _ type: OrderType, _ quantity: String = "10") -> Order {
        try! Order(clientOrderID: "t", symbol: Symbol("AAA")!, side: side, type: type, quantity: Quantity(FixedDecimal(quantity)!), createdAt: time)
    }

    @Test("orders meet the bar as documented", arguments: [
        (order(.buy, .market), "100", "filled at the open"),
        (order(.buy, .limit(Price("99")!)), "99", "limit reached by the low"),
        (order(.buy, .limit(Price("101")!)), "100", "open already below the limit: the better open"),
        (order(.buy, .limit(Price("97")!)), nil, "limit never reached"),
        (order(.sell, .stop(Price("98.5")!)), "98.5", "stop reached by the low"),
        (order(.buy, .stop(Price("99.5")!)), "100", "open already above a buy stop: filled at the open"),
        (order(.sell, .limit(Price("102")!)), "102", "sell limit reached by the high"),
        (order(.buy, .stopLimit(stop: Price("99.5")!, limit: Price("100.5")!)), "100", "open through the buy stop and within the limit: the open"),
        (order(.buy, .stopLimit(stop: Price("99.5")!, limit: Price("98.5")!)), "98.5", "open through the stop, beyond the limit: the low comes back to it"),
        (order(.buy, .stopLimit(stop: Price("102")!, limit: Price("102.5")!)), "102", "triggered inside the bar, the limit above the stop: at the stop"),
        (order(.buy, .stopLimit(stop: Price("102")!, limit: Price("101")!)), nil, "triggered inside the bar, the limit below the stop: not known to come after"),
        (order(.buy, .stopLimit(stop: Price("104")!, limit: Price("105")!)), nil, "the stop never trades"),
        (order(.sell, .stopLimit(stop: Price("99")!, limit: Price("98.5")!)), "99", "a sell stop-limit triggered by the low: at the stop"),
    ] as [(Order, String?, String)])
    func fills(order: Order, price: String?, why: String) {
        let outcome = SimulatedVenue().offer(order, to: Self.bar("100", "103", "98", "101"))
        if let price {
            #expect(outcome == .filled(SimulatedVenue.Fill(price: FixedDecimal(price)!, quantity: order.quantity.value, fee: .zero)), "\(why): \(outcome)")
        } else {
            #expect(outcome == .working, "\(why)")
        }
    }

    @Test("a stop-limit's two prices are both held to the tick")
    func stopLimitTicks() {
        let venue = SimulatedVenue(tickSize: FixedDecimal("0.5")!)
        #expect(venue.validate(Self.order(.buy, .stopLimit(stop: Price("100.5")!, limit: Price("101")!))) == nil)
        #expect(venue.validate(Self.order(.buy, .stopLimit(stop: Price("100.5")!, limit: Price("101.2")!)))?.contains("101.2") == true)
        #expect(venue.validate(Self.order(.buy, .stopLimit(stop: Price("100.3")!, limit: Price("101")!)))?.contains("100.3") == true)
    }

    @Test("commission and slippage move against the trader")
    func costs() {
        let venue = SimulatedVenue(commissionRate: FixedDecimal("0.001")!, slippageBasisPoints: FixedDecimal(10))
        let outcome = venue.offer(Self.order(.buy, .market), to: Self.bar("100", "103", "98", "101"))
        // 100 × (1 + 0.001) = 100.1; fee = 10 × 100.1 × 0.001 = 1.001.
        #expect(outcome == .filled(SimulatedVenue.Fill(price: FixedDecimal("100.1")!, quantity: FixedDecimal(10), fee: FixedDecimal("1.001")!)))
    }

    @Test("a bar that reaches both the stop and the target fills the stop by default, the target when optimistic")
    func bracketPolicy() {
        let stop = Self.order(.sell, .stop(Price("98.5")!)), target = Self.order(.sell, .limit(Price("102")!))
        let bar = Self.bar("100", "103", "98", "101")
        #expect(SimulatedVenue().offerBracket(stop: stop, target: target, to: bar)?.leg == "stop")
        #expect(SimulatedVenue(policy: .optimistic).offerBracket(stop: stop, target: target, to: bar)?.leg == "target")
        // An open beyond the target means the target traded first, whatever the policy.
        #expect(SimulatedVenue().offerBracket(stop: stop, target: target, to: Self.bar("102.5", "103", "98", "99"))?.leg == "target")
    }

    @Test("odd lots, off-tick prices and small notionals are rejected with the reason", arguments: [
        (SimulatedVenue(lotSize: FixedDecimal(5)), order(.buy, .market, "7"), "whole number of 5-unit lots"),
        (SimulatedVenue(tickSize: FixedDecimal("0.5")!), order(.buy, .limit(Price("99.3")!)), "off the 0.5 tick"),
        (SimulatedVenue(minimumNotional: FixedDecimal(5000)), order(.buy, .market), "below the minimum 5000"),
    ])
    func rejections(venue: SimulatedVenue, order: Order, message: String) {
        guard case .rejected(let reason) = venue.offer(order, to: Self.bar("100", "103", "98", "101")) else {
            Issue.record("not rejected")
            return
        }
        #expect(reason.contains(message), "\(reason)")
    }
}
