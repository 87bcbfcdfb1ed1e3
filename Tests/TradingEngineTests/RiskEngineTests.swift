import Testing
import TradingCore
import TradingEngine

@Suite("Risk gate")
struct RiskEngineTests {
    static let time = Timestamp(iso8601: "2024-03-01T10:00:00Z")!
    static let aaa = Symbol("AAA")!, bbb = Symbol("BBB")!
    static let limits = RiskLimits(maximumPositionWeight: 0.25, maximumGrossExposure: 1.0, maximumOrderNotional: FixedDecimal(30_000),
                                   maximumOrdersPerMinute: 3, maximumDailyLoss: 0.03, maximumDrawdown: 0.10)

    static func order(_ symbol: Symbol, _ side: OrderSide, _ quantity: Int, at price: Int) -> RiskEngine.ProposedOrder {
        RiskEngine.ProposedOrder(symbol: symbol, side: side, quantity: FixedDecimal(quantity), price: FixedDecimal(price))
    }

    @Test("each limit rejects with its rule name", arguments: [
        (order(aaa, .buy, 400, at: 100), "max_order_notional"),      // 40,000 > 30,000
        (order(aaa, .buy, 260, at: 100), "max_position_weight"),     // 26,000 of 100,000 > 25 %
        (order(bbb, .buy, 250, at: 100), "max_gross_exposure"),      // 80,000 held + 25,000 > 100 %
        (order(aaa, .buy, 0, at: 100), "invalid_quantity"),
    ])
    func limits(order: RiskEngine.ProposedOrder, rule: String) {
        var gate = RiskEngine(limits: Self.limits)
        let positions: [Symbol: (quantity: FixedDecimal, price: FixedDecimal)] = [Symbol("CCC")!: (FixedDecimal(800), FixedDecimal(100))]
        let decision = gate.check(order, equity: FixedDecimal(100_000), positions: positions, at: Self.time)
        #expect(!decision.approved && decision.rule == rule, "\(decision)")
        #expect(gate.alerts.last?.rule == rule)
    }

    @Test("the order rate is limited per rolling minute")
    func orderRate() {
        var gate = RiskEngine(limits: Self.limits)
        for second in 0..<3 {
            #expect(gate.check(Self.order(Self.aaa, .buy, 1, at: 100), equity: FixedDecimal(100_000), positions: [:],
                               at: Self.time.adding(milliseconds: Int64(second) * 1000)).approved)
        }
        #expect(gate.check(Self.order(Self.aaa, .buy, 1, at: 100), equity: FixedDecimal(100_000), positions: [:], at: Self.time.adding(milliseconds: 30_000)).rule == "max_orders_per_minute")
        #expect(gate.check(Self.order(Self.aaa, .buy, 1, at: 100), equity: FixedDecimal(100_000), positions: [:], at: Self.time.adding(milliseconds: 60_500)).approved)
    }

    @Test("a daily loss moves to REDUCING, where only shrinking orders pass; a drawdown HALTS; resume reactivates")
    func states() {
        var gate = RiskEngine(limits: Self.limits)
        let held: [Symbol: (quantity: FixedDecimal, price: FixedDecimal)] = [Self.aaa: (FixedDecimal(100), FixedDecimal(100))]
        gate.markEquity(FixedDecimal(100_000), at: Self.time)
        gate.markEquity(FixedDecimal(96_500), at: Self.time.adding(milliseconds: 3_600_000))   // −3.5 % today
        #expect(gate.state == .reducing)
        #expect(gate.check(Self.order(Self.aaa, .buy, 10, at: 100), equity: FixedDecimal(96_500), positions: held, at: Self.time).rule == "reducing_only")
        #expect(gate.check(Self.order(Self.aaa, .sell, 50, at: 100), equity: FixedDecimal(96_500), positions: held, at: Self.time).approved)
        #expect(gate.check(Self.order(Self.aaa, .sell, 150, at: 100), equity: FixedDecimal(96_500), positions: held, at: Self.time).rule == "reducing_only",
                "reversing through zero is not reducing")
        gate.markEquity(FixedDecimal(89_000), at: Self.time.adding(milliseconds: 7_200_000))   // −11 % from the peak
        #expect(gate.state == .halted)
        #expect(gate.check(Self.order(Self.aaa, .sell, 50, at: 100), equity: FixedDecimal(89_000), positions: held, at: Self.time).rule == "halted")
        #expect(gate.alerts.filter { $0.level == .critical }.map(\.rule) == ["max_daily_loss", "max_drawdown"])
        gate.resume(at: Self.time.adding(milliseconds: 10_800_000))
        #expect(gate.state == .active)
        gate.markEquity(FixedDecimal(89_000), at: Self.time.adding(milliseconds: 10_900_000))
        #expect(gate.state == .active, "the old peak does not halt again at once")
    }
}

@Suite("Risk gate: review findings")
struct RiskEngineReviewTests {
    @Test("with daily marks, a loss from the previous close moves to REDUCING (the first bar of a day counts)")
    func dailyBarsCanBreachTheDailyLimit() {
        var gate = RiskEngine(limits: RiskEngineTests.limits)
        gate.markEquity(FixedDecimal(100_000), at: RiskEngineTests.time)
        gate.markEquity(FixedDecimal(96_000), at: RiskEngineTests.time.adding(milliseconds: 86_400_000))
        #expect(gate.state == .reducing)
    }

    @Test("REDUCING from the daily loss ends with the day: the next day's first mark is ACTIVE unless it breaches again")
    func dailyLossResetsTheNextDay() {
        var gate = RiskEngine(limits: RiskEngineTests.limits)
        let day: Int64 = 86_400_000
        gate.markEquity(FixedDecimal(100_000), at: RiskEngineTests.time)
        gate.markEquity(FixedDecimal(96_000), at: RiskEngineTests.time.adding(milliseconds: day))
        #expect(gate.state == .reducing)
        gate.markEquity(FixedDecimal(95_000), at: RiskEngineTests.time.adding(milliseconds: day + 3_600_000))
        #expect(gate.state == .reducing, "the same day stays REDUCING")
        gate.markEquity(FixedDecimal(95_500), at: RiskEngineTests.time.adding(milliseconds: 2 * day))
        #expect(gate.state == .active)
        gate.markEquity(FixedDecimal(91_000), at: RiskEngineTests.time.adding(milliseconds: 3 * day))
        #expect(gate.state == .reducing, "a new breach the next day")
        #expect(gate.alerts.map(\.rule) == ["max_daily_loss", "daily_loss_reset", "max_daily_loss"])
    }

    @Test("a batch is checked cumulatively: two buys that together break the gross limit do not both pass")
    func cumulativeChecksAreTheLoopsJob() {
        // The gate itself checks one order against the holdings it is given; TradingLoop passes the
        // holdings updated by the orders approved before (see TradingLoopTests).
        var gate = RiskEngine(limits: RiskLimits(maximumPositionWeight: 1, maximumGrossExposure: 0.5, maximumOrderNotional: FixedDecimal(1_000_000)))
        let first = gate.check(RiskEngine.ProposedOrder(symbol: RiskEngineTests.aaa, side: .buy, quantity: FixedDecimal(300), price: FixedDecimal(100)),
                               equity: FixedDecimal(100_000), positions: [:], at: RiskEngineTests.time)
        let second = gate.check(RiskEngine.ProposedOrder(symbol: RiskEngineTests.bbb, side: .buy, quantity: FixedDecimal(300), price: FixedDecimal(100)),
                                equity: FixedDecimal(100_000), positions: [RiskEngineTests.aaa: (FixedDecimal(300), FixedDecimal(100))], at: RiskEngineTests.time)
        #expect(first.approved && second.rule == "max_gross_exposure")
    }
}
