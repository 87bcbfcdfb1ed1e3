import QuantMath
import Testing
import TradingCore
import TradingEngine

@Suite("Orders and the double-entry ledger")
struct LedgerTests {
    static let origin = Timestamp(iso8601: "2024-01-01")!

    @Test("random fills keep the books balanced and cash + marked positions = capital + realised + unrealised − fees",
          arguments: [1, 2, 3, 4, 5] as [UInt64])
    func invariantsHoldAfterEveryFill(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let symbols = [Symbol("AAA")!, Symbol("BBB")!, Symbol("CCC")!]
        var ledger = Ledger(cash: FixedDecimal(1_000_000), at: Self.origin)
        var prices: [Symbol: FixedDecimal] = [:]
        for step in 0..<500 {
            let symbol = symbols[Int(generator.next() % 3)]
            // Prices with 2 decimals, quantities with up to 3, fees with 6: every product is exact.
            let price = FixedDecimal(units: Int128(1 + generator.next() % 50_000) * 10_000_000_000_000_000)
            let quantity = FixedDecimal(units: Int128(1 + generator.next() % 5_000) * 1_000_000_000_000_000)
            let fee = FixedDecimal(units: Int128(generator.next() % 1_000_000) * 1_000_000_000_000)
            prices[symbol] = price
            try ledger.bookFill(symbol: symbol, side: generator.next() % 2 == 0 ? .buy : .sell, quantity: quantity, price: price, fee: fee,
                                at: Self.origin.adding(milliseconds: Int64(step) * 60_000))
            #expect(ledger.trialBalance == .zero, "unbalanced after fill \(step)")
            let equity = try ledger.equity(prices: prices)
            let expected = ledger.capital + ledger.realisedProfit + (try ledger.unrealisedProfit(prices: prices)) - ledger.fees
            #expect(equity == expected, "equity identity broken after fill \(step): \(equity) vs \(expected)")
        }
    }

    @Test("a round trip realises exactly the price difference minus fees")
    func roundTrip() throws {
        var ledger = Ledger(cash: FixedDecimal(10_000), at: Self.origin)
        let symbol = Symbol("AAA")!
        try ledger.bookFill(symbol: symbol, side: .buy, quantity: FixedDecimal(10), price: FixedDecimal("100.25")!, fee: FixedDecimal("1.5")!, at: Self.origin)
        try ledger.bookFill(symbol: symbol, side: .sell, quantity: FixedDecimal(10), price: FixedDecimal("110.75")!, fee: FixedDecimal("1.5")!, at: Self.origin)
        #expect(ledger.realisedProfit == FixedDecimal(105))
        #expect(ledger.cash == FixedDecimal(10_102))
        #expect(ledger.positions.isEmpty)
        // A short: sell 5 at 50, cover at 40.
        try ledger.bookFill(symbol: symbol, side: .sell, quantity: FixedDecimal(5), price: FixedDecimal(50), fee: .zero, at: Self.origin)
        try ledger.bookFill(symbol: symbol, side: .buy, quantity: FixedDecimal(5), price: FixedDecimal(40), fee: .zero, at: Self.origin)
        #expect(ledger.realisedProfit == FixedDecimal(155))
    }

    @Test("the order state machine allows only its transitions, and fills cannot overfill", arguments: [
        (OrderStatus.new, OrderStatus.filled, false), (.new, .accepted, true), (.accepted, .partiallyFilled, true),
        (.filled, .cancelled, false), (.rejected, .accepted, false), (.partiallyFilled, .expired, true),
    ])
    func stateMachine(from: OrderStatus, to: OrderStatus, allowed: Bool) {
        #expect(from.canMove(to: to) == allowed)
    }

    @Test("an order fills in parts, then refuses more, and a non-positive quantity is refused at creation")
    func fills() throws {
        var order = try Order(clientOrderID: "c-1", symbol: Symbol("AAA")!, side: .buy, quantity: Quantity(FixedDecimal(10)), createdAt: Self.origin)
        try order.move(to: .accepted)
        try order.fill(Quantity(FixedDecimal(4)), at: Price(FixedDecimal(100)))
        #expect(order.status == .partiallyFilled)
        try order.fill(Quantity(FixedDecimal(6)), at: Price(FixedDecimal(101)))
        #expect(order.status == .filled && order.filledNotional == FixedDecimal(1006))
        #expect(throws: OrderError.self) { try order.fill(Quantity(FixedDecimal(1)), at: Price(FixedDecimal(1))) }
        #expect(throws: OrderError.self) {
            try Order(clientOrderID: "c-2", symbol: Symbol("AAA")!, side: .buy, quantity: Quantity(.zero), createdAt: Self.origin)
        }
    }
}
