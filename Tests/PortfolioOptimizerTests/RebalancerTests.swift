import PortfolioOptimizer
import Testing
import TradingCore

@Suite("Rebalancing: drift trigger, lots, minimum notional, cash feasibility")
struct RebalancerTests {
    static func decimal(_ text: String) -> FixedDecimal { FixedDecimal(text)! }

    static func position(_ symbol: String, _ quantity: String, at price: String, target: Double, lot: String = "1") -> Rebalancer.Position {
        Rebalancer.Position(symbol: symbol, quantity: Quantity(decimal(quantity)), price: Price(decimal(price)),
                            targetWeight: target, lotSize: Quantity(decimal(lot)))
    }

    @Test("a drift within the threshold produces no orders and says why")
    func withinThreshold() throws {
        // Equity 10,000: A 52 %, B 48 % against 50/50 → 2 points of drift.
        let plan = try Rebalancer().plan(positions: [Self.position("A", "52", at: "100", target: 0.5),
                                                     Self.position("B", "48", at: "100", target: 0.5)], cash: .zero)
        #expect(!plan.rebalanceNeeded)
        #expect(plan.orders.isEmpty)
        #expect(plan.reason.contains("2.0 percentage points") && plan.reason.contains("A"))
    }

    @Test("beyond the threshold each asset trades only its own difference, sells before buys")
    func tradesTheDifference() throws {
        // Equity 10,000: A 70 %, B 30 % against 50/50 → sell 20 A, buy 20 B.
        let plan = try Rebalancer().plan(positions: [Self.position("B", "30", at: "100", target: 0.5),
                                                     Self.position("A", "70", at: "100", target: 0.5)], cash: .zero)
        #expect(plan.rebalanceNeeded)
        #expect(plan.orders.map(\.side) == [.sell, .buy])
        #expect(plan.orders.map(\.symbol) == ["A", "B"])
        #expect(plan.orders.map(\.quantity.value) == [FixedDecimal(20), FixedDecimal(20)])
        #expect(plan.cashAfter == .zero)
        #expect(abs(plan.turnover - 0.4) < 1e-12)
        #expect(plan.assets.allSatisfy { abs($0.weightAfter - 0.5) < 1e-12 })
    }

    @Test("buys round down to whole lots and never spend more cash than there is")
    func lotsAndCash() throws {
        // Equity 10,000 all cash; targets 1/3 each at prices that do not divide evenly, lots of 10.
        let positions = [Self.position("A", "0", at: "33.7", target: 1.0 / 3, lot: "10"),
                         Self.position("B", "0", at: "71.25", target: 1.0 / 3, lot: "10"),
                         Self.position("C", "0", at: "12.5", target: 1.0 / 3, lot: "10")]
        let plan = try Rebalancer().plan(positions: positions, cash: FixedDecimal(10_000))
        #expect(plan.orders.allSatisfy { $0.side == .buy })
        for order in plan.orders {
            let lots = try order.quantity.value.divided(by: FixedDecimal(10))
            #expect(lots == (try lots.rounded(toFractionalDigits: 0)), "\(order.symbol) \(order.quantity) is not whole lots")
        }
        #expect(!plan.cashAfter.isNegative)
        // A: ⌊3333.33/337⌋ = 9 lots = 90; B: ⌊3333.33/712.5⌋ = 4 lots = 40; C: ⌊3333.33/125⌋ = 26 lots = 260.
        #expect(plan.orders.map(\.quantity.value).sorted() == [FixedDecimal(40), FixedDecimal(90), FixedDecimal(260)])
        #expect(plan.cashAfter == Self.decimal("10000") - Self.decimal("3033") - Self.decimal("2850") - Self.decimal("3250"))
    }

    @Test("orders below the minimum notional are dropped")
    func minimumNotional() throws {
        // Equity 10,000: A needs a 40-unit sale (4,000), B a 10-unit buy at 5 (50) — below 100.
        let plan = try Rebalancer(minimumNotional: FixedDecimal(100)).plan(
            positions: [Self.position("A", "90", at: "100", target: 0.5), Self.position("B", "190", at: "5", target: 0.1)],
            cash: FixedDecimal(50))
        #expect(plan.orders.map(\.symbol) == ["A"])
    }

    @Test("a zero target sells the whole position, odd lots included, and an unlisted weight stays in cash")
    func zeroTargetSellsEverything() throws {
        let plan = try Rebalancer().plan(positions: [Self.position("A", "12.5", at: "100", target: 0, lot: "1"),
                                                     Self.position("B", "0", at: "50", target: 0.6)], cash: FixedDecimal(750))
        #expect(plan.orders.first?.side == .sell && plan.orders.first?.quantity.value == Self.decimal("12.5"))
        // Equity 2,000: B targets 1,200 = 24 units; 800 stays in cash (the 40 % not assigned).
        #expect(plan.orders.last?.side == .buy && plan.orders.last?.quantity.value == FixedDecimal(24))
        #expect(plan.cashAfter == FixedDecimal(800))
    }

    @Test("bad holdings and targets are named", arguments: [
        ([position("A", "-1", at: "10", target: 0.5)], "negative"),
        ([position("A", "1", at: "0", target: 0.5)], "A on latest: price 0.0"),
        ([position("A", "1", at: "10", target: 0.7), position("B", "1", at: "10", target: 0.7)], "sum to 1.4"),
        ([position("A", "1", at: "10", target: 0.5), position("A", "1", at: "10", target: 0.5)], "appears twice"),
        ([position("A", "1", at: "100000000000000000000", target: 0.5), position("B", "1", at: "100000000000000000000", target: 0.5)], "overflow"),
    ] as [([Rebalancer.Position], String)])
    func badInput(positions: [Rebalancer.Position], message: String) {
        #expect {
            _ = try Rebalancer().plan(positions: positions, cash: FixedDecimal(100))
        } throws: { error in
            String(describing: error).contains(message)
        }
    }
}

@Suite("Discrete allocation: edge cases")
struct DiscreteAllocationEdgeTests {
    @Test("no assets is an error, not a crash; a floor never rounds up into negative cash")
    func edges() throws {
        #expect(throws: PortfolioError.self) { try DiscreteAllocation.greedy([], total: FixedDecimal(100)) }
        let result = try DiscreteAllocation.greedy([DiscreteAllocation.Asset(symbol: "A", weight: 1, price: Price(FixedDecimal(3)))],
                                                   total: FixedDecimal("8.999999999999999999")!)
        #expect(!result.leftover.isNegative)
        #expect(result.quantities.first?.quantity.value == FixedDecimal(2))
    }
}
