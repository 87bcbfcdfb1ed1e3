import Foundation
import PortfolioOptimizer
import Prediction
import Testing
import TestSupport
import TradingCore
import TradingEngine

/// Fixed target weights: the simplest policy, for testing the loop itself.
struct FixedWeights: AllocationPolicy {
    let weights: [Symbol: Double]
    func targetWeights(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws -> [Symbol: Double]? { weights }
}

@Suite("Trading loop")
struct TradingLoopTests {
    static let daily: [Symbol: [Bar]] = {
        var result: [Symbol: [Bar]] = [:]
        for (symbol, file) in [("SP500", "SP500_1d_1999-01-04_2018-12-31.csv"), ("NASDAQCOMP", "NASDAQCOMP_1d_1999-01-04_2018-12-31.csv")] {
            let url = TestEnvironment.sampleDataDirectory.appendingPathComponent(file)
            result[Symbol(symbol)!] = try! BarFileParser(timeframe: .oneDay).parseOHLCV([UInt8](Data(contentsOf: url)), fileName: file).bars
        }
        return result
    }()

    static func prefix(_ count: Int) -> [Symbol: [Bar]] { daily.mapValues { Array($0.prefix(count)) } }

    @Test("after a run the books balance and equity = capital + realised + unrealised − fees; fills never overdraw cash")
    func ledgerInvariants() throws {
        let loop = TradingLoop(cash: FixedDecimal(100_000), venue: SimulatedVenue(commissionRate: FixedDecimal("0.001")!),
                               limits: RiskLimits(maximumPositionWeight: 0.5, maximumGrossExposure: 1),
                               rebalancer: Rebalancer(driftThreshold: 0.02), decisionInterval: 5)
        let result = try loop.run(Self.prefix(1500), timeframe: .oneDay,
                                  policy: FixedWeights(weights: [Symbol("SP500")!: 0.45, Symbol("NASDAQCOMP")!: 0.45]))
        #expect(result.ledger.trialBalance == .zero)
        let prices = Dictionary(uniqueKeysWithValues: Self.daily.map { ($0.key, $0.value[1499].close.value) })
        let equity = try result.ledger.equity(prices: prices)
        let unrealised = try result.ledger.unrealisedProfit(prices: prices)
        let expected: FixedDecimal = result.ledger.capital + result.ledger.realisedProfit + unrealised - result.ledger.fees
        #expect(equity == expected)
        #expect(!result.ledger.cash.isNegative)
        #expect(result.orders.filter { $0.status == .filled }.count > 2, "\(result.rejections)")
        #expect(result.orders.allSatisfy { $0.status.isTerminal || $0.status == .accepted })
    }

    @Test("the risk gate rejects by rule, and a drawdown halt stops new decisions")
    func riskGate() throws {
        let tight = TradingLoop(cash: FixedDecimal(100_000),
                                limits: RiskLimits(maximumPositionWeight: 1, maximumGrossExposure: 1, maximumOrderNotional: FixedDecimal(10_000)),
                                decisionInterval: 5)
        let rejected = try tight.run(Self.prefix(300), timeframe: .oneDay, policy: FixedWeights(weights: [Symbol("SP500")!: 0.9]))
        #expect((rejected.rejections["max_order_notional"] ?? 0) > 0)
        let fragile = TradingLoop(cash: FixedDecimal(100_000),
                                  limits: RiskLimits(maximumPositionWeight: 1, maximumGrossExposure: 1, maximumOrderNotional: FixedDecimal(1_000_000),
                                                     maximumDailyLoss: 0.5, maximumDrawdown: 0.02),
                                  decisionInterval: 1)
        let halted = try fragile.run(Self.prefix(600), timeframe: .oneDay, policy: FixedWeights(weights: [Symbol("NASDAQCOMP")!: 0.95]))
        #expect(halted.finalState == .halted)
        #expect(halted.alerts.contains { $0.rule == "max_drawdown" })
        #expect(halted.decisions < 600)
    }

    @Test("no look-ahead: the orders placed up to bar t are the same whether or not later bars exist")
    func noLookAhead() throws {
        let loop = TradingLoop(cash: FixedDecimal(100_000), venue: SimulatedVenue(commissionRate: FixedDecimal("0.001")!), decisionInterval: 50)
        let horizon = Horizon(parsing: "50d")!
        let full = try loop.run(Self.prefix(900), timeframe: .oneDay, policy: ForecastAllocationPolicy(horizon: horizon))
        let cut = try loop.run(Self.prefix(751), timeframe: .oneDay, policy: ForecastAllocationPolicy(horizon: horizon))
        let cutoff = Self.daily[Symbol("SP500")!]![749].openTime
        let before = full.orders.filter { $0.createdAt <= cutoff }.map { "\($0.symbol.rawValue) \($0.side) \($0.quantity)" }
        let truncated = cut.orders.filter { $0.createdAt <= cutoff }.map { "\($0.symbol.rawValue) \($0.side) \($0.quantity)" }
        #expect(!before.isEmpty)
        #expect(before.sorted() == truncated.sorted())
    }
}

/// Weights that change after the first decision: a rotation from one mix to another.
struct Rotation: AllocationPolicy {
    var decisions = 0
    mutating func targetWeights(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws -> [Symbol: Double]? {
        decisions += 1
        return decisions == 1 ? [Symbol("SP500")!: 0.58, Symbol("NASDAQCOMP")!: 0.38] : [Symbol("SP500")!: 0.38, Symbol("NASDAQCOMP")!: 0.58]
    }
}

@Suite("Trading loop: review findings")
struct TradingLoopReviewTests {
    @Test("a rotation passes the gross-exposure limit: each order is checked after the sells before it")
    func rotationIsNotRejected() throws {
        let loop = TradingLoop(cash: FixedDecimal(100_000), limits: RiskLimits(maximumPositionWeight: 0.65, maximumGrossExposure: 1.0),
                               rebalancer: Rebalancer(driftThreshold: 0.05), decisionInterval: 10)
        let result = try loop.run(TradingLoopTests.prefix(40), timeframe: .oneDay, policy: Rotation())
        #expect(result.rejections.isEmpty, "\(result.rejections)")
        #expect(result.orders.filter { $0.status == .filled }.count >= 4)
    }

    @Test("a negative commission or slippage of 100 % is refused before the run")
    func costsAreValidated() {
        for venue in [SimulatedVenue(commissionRate: FixedDecimal("-0.01")!), SimulatedVenue(slippageBasisPoints: FixedDecimal(10_000))] {
            #expect(throws: TradingLoop.LoopError.self) {
                try TradingLoop(cash: FixedDecimal(1000), venue: venue).run(TradingLoopTests.prefix(40), timeframe: .oneDay,
                                                                           policy: FixedWeights(weights: [:]))
            }
        }
    }
}
