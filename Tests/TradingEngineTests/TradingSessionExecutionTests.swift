import Foundation
import Prediction
import Testing
import TradingCore
import TradingEngine

/// A session on an external venue: orders stay in flight until the venue's reports end them, each
/// trade is booked once, fees in the bought asset are paid in kind, and a checkpoint keeps what
/// was booked of an order in flight.
@Suite("Trading session on an external venue: orders in flight, booked from execution reports")
struct TradingSessionExecutionTests {
    static let sp500 = Symbol("SP500")!
    static let nasdaq = Symbol("NASDAQCOMP")!

    /// A session with both symbols on 0.001 steps, quoted in USD, that has just decided at its first bar.
    static func decided() throws -> (session: TradingSession<FixedWeights>, orders: [Order]) {
        var session = try TradingSession(bars: TradingLoopTests.prefix(60), timeframe: .oneDay, settings: TradingSessionTests.settings,
                                         policy: FixedWeights(weights: [sp500: 0.5, nasdaq: 0.45]))
        session.externalExecution = true
        session.instrumentRules = [
            sp500: InstrumentRules(symbol: sp500, baseAsset: "SPX", quoteAsset: "USD", stepSize: FixedDecimal("0.001")!),
            nasdaq: InstrumentRules(symbol: nasdaq, baseAsset: "NDQ", quoteAsset: "USD", stepSize: FixedDecimal("0.001")!),
        ]
        let step = try session.step()
        return (session, step.orders.filter { $0.status == .accepted })
    }

    static func report(_ kind: ExecutionReport.Kind, _ order: Order, trade: String? = nil, quantity: String = "0", price: String = "1000",
                       fee: String = "0", feeAsset: String = "USD", cumulative: String = "0") -> ExecutionReport {
        let fill = trade.map { id in
            VenueFill(tradeID: id, clientOrderID: order.clientOrderID, symbol: order.symbol, side: order.side, quantity: FixedDecimal(quantity)!,
                      price: FixedDecimal(price)!, fee: FixedDecimal(fee)!, feeAsset: feeAsset, time: order.createdAt.adding(milliseconds: 1_000))
        }
        return ExecutionReport(kind: kind, clientOrderID: order.clientOrderID, venueOrderID: "7", symbol: order.symbol, side: order.side,
                               quantity: order.quantity.value, cumulativeQuantity: FixedDecimal(cumulative)!, fill: fill, reason: kind == .rejected ? "LOT_SIZE" : nil,
                               time: order.createdAt.adding(milliseconds: 2_000))
    }

    @Test("a step fills nothing itself: the decision's orders stay in flight, and the next decision waits for them")
    func ordersStayInFlight() throws {
        var (session, orders) = try Self.decided()
        #expect(orders.count == 2)
        #expect(session.ordersInFlight.map(\.clientOrderID) == orders.map(\.clientOrderID))
        // Quantities are on the venue's 0.001 step.
        #expect(orders.allSatisfy { $0.quantity.value.units % FixedDecimal("0.001")!.units == 0 })
        for _ in 1..<TradingSessionTests.settings.decisionInterval { _ = try session.step() }
        let due = try session.step()
        #expect(due.fills.isEmpty && session.ledger.positions.isEmpty)
        #expect(due.rejections["orders_in_flight"] == 1 && !due.decided)
    }

    @Test("partial fills are booked once each to the last digit; the order leaves flight when filled")
    func partialFills() throws {
        var (session, orders) = try Self.decided()
        let order = orders[0]
        let half = try order.quantity.value.divided(by: FixedDecimal(2), rounding: .towardZero)
        let rest = order.quantity.value - half
        let first = try session.apply(Self.report(.partialFill, order, trade: "11", quantity: half.description, price: "1000.5", fee: "0.25", cumulative: half.description))
        #expect(first.fills.map(\.fillID) == ["\(order.clientOrderID)-11"] && first.order?.status == .partiallyFilled)
        let repeated = try session.apply(Self.report(.partialFill, order, trade: "11", quantity: half.description, price: "1000.5", fee: "0.25", cumulative: half.description))
        #expect(repeated.fills.isEmpty && repeated.ignoredBecause != nil)
        let second = try session.apply(Self.report(.fill, order, trade: "12", quantity: rest.description, price: "1001", fee: "0.3", cumulative: order.quantity.value.description))
        #expect(second.order?.status == .filled)
        #expect(!session.ordersInFlight.contains { $0.clientOrderID == order.clientOrderID })
        let expectedCash = FixedDecimal(100_000) - (try half.multiplied(by: FixedDecimal("1000.5")!)) - (try rest.multiplied(by: FixedDecimal(1001)))
            - FixedDecimal("0.55")!
        #expect(session.ledger.cash == expectedCash)
        #expect(session.ledger.positions[order.symbol]?.quantity == order.quantity.value)
        #expect(session.ledger.trialBalance == .zero)
        let late = try session.apply(Self.report(.fill, order, trade: "12", quantity: rest.description, price: "1001", cumulative: order.quantity.value.description))
        #expect(late.order == nil && late.ignoredBecause?.contains("in flight") == true)
    }

    @Test("a fee charged in the bought asset is paid in kind: the position holds what the venue holds, cash pays only the notional")
    func feeInKind() throws {
        var (session, orders) = try Self.decided()
        let order = orders[0]
        let quantity = order.quantity.value
        _ = try session.apply(Self.report(.fill, order, trade: "1", quantity: quantity.description, price: "1000", fee: "0.001", feeAsset: "SPX",
                                          cumulative: quantity.description))
        #expect(session.ledger.positions[order.symbol]?.quantity == quantity - FixedDecimal("0.001")!)
        #expect(session.ledger.cash == FixedDecimal(100_000) - (try quantity.multiplied(by: FixedDecimal(1000))))
        #expect(session.ledger.fees == FixedDecimal(1))
        #expect(session.ledger.trialBalance == .zero)
        // Cash + marked positions = capital + realised + unrealised − fees, at any price.
        let prices = [order.symbol: FixedDecimal(1100)]
        let equity = try session.ledger.equity(prices: prices)
        let identity = session.ledger.capital + session.ledger.realisedProfit + (try session.ledger.unrealisedProfit(prices: prices)) - session.ledger.fees
        #expect(equity == identity)
    }

    @Test("a terminal report that counts trades not yet booked waits for them; a refusal ends the order with an alert", arguments: [
        (ExecutionReport.Kind.cancelled, OrderStatus.cancelled),
        (.expired, .expired),
    ])
    func terminalAfterTrades(kind: ExecutionReport.Kind, status: OrderStatus) throws {
        var (session, orders) = try Self.decided()
        let order = orders[1]
        let part = try order.quantity.value.divided(by: FixedDecimal(4), rounding: .towardZero)
        let early = try session.apply(Self.report(kind, order, cumulative: part.description))
        #expect(early.order?.status == .accepted && session.ordersInFlight.count == 2, "still in flight until its trade is booked")
        let trade = try session.apply(Self.report(.partialFill, order, trade: "5", quantity: part.description, cumulative: part.description))
        #expect(trade.order?.status == status && trade.order?.filledQuantity.value == part)
        #expect(session.ordersInFlight.count == 1)
        let refused = try session.apply(Self.report(.rejected, orders[0]))
        #expect(refused.order?.status == .rejected && refused.alerts.map(\.rule) == ["venue_rejected"])
        #expect(session.ordersInFlight.isEmpty)
    }

    @Test("a checkpoint keeps an order in flight with its booked trades: after a restart a repeated trade is not booked again")
    func checkpointKeepsBookedTrades() throws {
        var (session, orders) = try Self.decided()
        let order = orders[0]
        let half = try order.quantity.value.divided(by: FixedDecimal(2), rounding: .towardZero)
        _ = try session.apply(Self.report(.partialFill, order, trade: "21", quantity: half.description, cumulative: half.description))
        let checkpoint = try JSONDecoder().decode(SessionCheckpoint.self, from: try JSONEncoder().encode(session.checkpoint))
        var restarted = try TradingSession(bars: TradingLoopTests.prefix(60), timeframe: .oneDay, settings: TradingSessionTests.settings,
                                           policy: FixedWeights(weights: [Self.sp500: 0.5, Self.nasdaq: 0.45]), resumingFrom: checkpoint)
        restarted.externalExecution = true
        #expect(restarted.ordersInFlight.first { $0.clientOrderID == order.clientOrderID }?.filledQuantity.value == half)
        let repeated = try restarted.apply(Self.report(.partialFill, order, trade: "21", quantity: half.description, cumulative: half.description))
        #expect(repeated.fills.isEmpty)
        #expect(restarted.ledger.cash == session.ledger.cash)
    }
}

/// Live trading refits in the background: decisions go on with the models in hand meanwhile.
@Suite("Forecast-allocation refits in the background on live bars")
struct BackgroundRefitTests {
    @Test("after prepareForLiveBars a due refit runs in the background, decisions go on meanwhile, and its models are adopted")
    func refitsInBackground() async throws {
        let settings = TradingSettings(cash: FixedDecimal(100_000), venue: SimulatedVenue(commissionRate: FixedDecimal("0.001")!),
                                       limits: RiskLimits(maximumPositionWeight: 0.6, maximumGrossExposure: 1, maximumDrawdown: 0.9),
                                       decisionInterval: 1, orderPrefix: "paper")
        let bars = TradingLoopTests.prefix(420)
        var session = try TradingSession(bars: bars, timeframe: .oneDay, settings: settings,
                                         policy: ForecastAllocationPolicy(horizon: Horizon(parsing: "1d")!, refitInterval: 2))
        while session.nextIndex < 320 { _ = try session.step() }
        try session.prepareForLiveBars()
        #expect(session.policy.backgroundFits == 0)
        var decided = 0
        while !session.isFinished && session.policy.backgroundFits < 2 {
            if try session.step().decided { decided += 1 }
            // A little time between bars, as live bars have, for a background fit to finish.
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(session.policy.backgroundFits >= 2, "background fits replaced the models")
        #expect(session.policy.decisionsDuringFits >= 1, "decisions were taken while a fit ran")
        #expect(decided >= session.policy.decisionsDuringFits)
    }
}

/// A policy whose every decision fails, as an optimiser that cannot solve does.
struct FailingPolicy: AllocationPolicy {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "the optimiser did not converge" }
    }

    func targetWeights(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws -> [Symbol: Double]? { throw Failure() }
}

@Suite("A failing decision on live bars")
struct FailingDecisionTests {
    @Test("a replay stops on a failing decision; a live session skips it with a policy_failed alert and goes on", arguments: [false, true])
    func failingDecision(live: Bool) throws {
        var session = try TradingSession(bars: TradingLoopTests.prefix(30), timeframe: .oneDay, settings: TradingSessionTests.settings,
                                         policy: FailingPolicy())
        session.expectsMoreBars = live
        guard live else {
            #expect(throws: TradingSession<FailingPolicy>.SessionError.self) { try session.step() }
            return
        }
        let step = try session.step()
        #expect(!step.decided && step.rejections["policy_failed"] == 1)
        #expect(step.alerts.map(\.rule) == ["policy_failed"] && step.alerts.first?.message.contains("did not converge") == true)
        #expect(try session.step().index == 1, "the session goes on to the next bar")
    }
}
