import Foundation
import PortfolioOptimizer
import QuantMath
import Testing
import TestSupport
import TradingCore

/// Reference values of scripts/reference/allocation.py (PyPortfolioOpt, scipy) on the same window
/// as portfolio_reference.json.
struct AllocationFixture: Decodable {
    struct HRPCase: Decodable, Sendable, CustomStringConvertible {
        let name: String
        let tickers: [String]
        let weights: [Double]
        let orderedTickers: [String]
        let linkage: [[Double]]
        var description: String { name }
    }

    struct RiskParityCase: Decodable, Sendable, CustomStringConvertible {
        let name: String
        let budgets: [Double]
        let weights: [Double]
        let volatility: Double
        var description: String { name }
    }

    struct SectorCase: Decodable, Sendable, CustomStringConvertible {
        let name: String
        let objective: String
        let parameters: [String: Double]
        let weights: [Double]
        let expectedReturn: Double
        let volatility: Double
        let sharpe: Double
        var description: String { name }
    }

    struct Sectors: Decodable, Sendable {
        let sectorMapper: [String: String]
        let sectorLower: [String: Double]
        let sectorUpper: [String: Double]
        let cases: [SectorCase]
    }

    struct TurnoverCase: Decodable, Sendable, CustomStringConvertible {
        let name: String
        let objectiveFunction: String
        let parameters: [String: Double]
        let k: Double
        let wPrev: [Double]
        let weights: [Double]
        let objective: Double
        var description: String { name }
    }

    struct DiscreteCase: Decodable, Sendable, CustomStringConvertible {
        let name: String
        let weightsVariant: String
        let totalPortfolioValue: Double
        let shares: [Int]
        let leftover: Double
        var description: String { name }
    }

    struct Discrete: Decodable, Sendable {
        let weights: [Double]
        let cleanWeights: [Double]
        let latestPrices: [Double]
        let cases: [DiscreteCase]
    }

    let tickers: [String]
    let hrp: [HRPCase]
    let riskParity: [RiskParityCase]
    let sectorConstraints: Sectors
    let turnoverPenalty: [TurnoverCase]
    let discreteAllocation: Discrete

    static let shared: AllocationFixture = {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/PortfolioOptimizerTests/Fixtures/allocation_reference.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try! decoder.decode(AllocationFixture.self, from: Data(contentsOf: url))
    }()
}

@Suite("Risk parity, HRP, groups, turnover and discrete allocation against the reference")
struct AllocationReferenceTests {
    static let fixture = AllocationFixture.shared
    static let returns = ReferenceFixture.history.simpleReturns
    static let covariance = CovarianceEstimator.estimate(returns, method: .sample)
    static let expectedReturns = ExpectedReturns.estimate(returns, method: .cagr)

    static func optimizer() throws -> PortfolioOptimizer {
        try PortfolioOptimizer(expectedReturns: expectedReturns, covariance: covariance)
    }

    @Test("HRP reproduces PyPortfolioOpt's linkage, leaf order and weights", arguments: fixture.hrp)
    func hierarchicalRiskParity(_ reference: AllocationFixture.HRPCase) throws {
        let indices = reference.tickers.map { Self.fixture.tickers.firstIndex(of: $0)! }
        var subset = Matrix(rows: indices.count, columns: indices.count)
        for (row, i) in indices.enumerated() { for (column, j) in indices.enumerated() { subset[row, column] = Self.covariance[i, j] } }
        let result = try HierarchicalRiskParity.allocate(covariance: subset)
        #expect(result.order.map { reference.tickers[$0] } == reference.orderedTickers)
        for (merge, row) in zip(result.merges, reference.linkage) {
            #expect(merge.left == Int(row[0]) && merge.right == Int(row[1]) && merge.size == Int(row[3]))
            #expect(agrees(merge.distance, row[2], relative: 1e-12))
        }
        for (index, weight) in result.weights.enumerated() {
            #expect(agrees(weight, reference.weights[index], relative: 1e-9), "\(reference.tickers[index]): \(weight) vs \(reference.weights[index])")
        }
        #expect(abs(result.weights.reduce(0, +) - 1) < 1e-12)
    }

    @Test("risk parity matches the reference weights and every contribution equals its budget", arguments: fixture.riskParity)
    func riskParity(_ reference: AllocationFixture.RiskParityCase) throws {
        let (weights, _) = try RiskParity().weights(covariance: Self.covariance, budgets: reference.budgets)
        for index in weights.indices {
            #expect(agrees(weights[index], reference.weights[index], relative: 1e-9), "\(Self.fixture.tickers[index])")
        }
        let contributions = RiskParity.riskContributions(weights: weights, covariance: Self.covariance)
        for index in weights.indices { #expect(abs(contributions[index] - reference.budgets[index]) < 1e-10) }
        let allocation = try Self.optimizer().optimize(.riskParity(budgets: reference.budgets), constraints: PortfolioConstraints(assetCount: 20))
        #expect(agrees(allocation.volatility, reference.volatility, relative: 1e-9))
    }

    static func sectorConstraints() -> [GroupBound] {
        let sectors = fixture.sectorConstraints
        return Set(sectors.sectorMapper.values).sorted().map { sector in
            GroupBound(name: sector, members: fixture.tickers.indices.filter { sectors.sectorMapper[fixture.tickers[$0]] == sector },
                       minimum: sectors.sectorLower[sector] ?? -.infinity, maximum: sectors.sectorUpper[sector] ?? .infinity)
        }
    }

    @Test("sector bounds: weights within 1e-4, objective within 1e-6, every bound held", arguments: fixture.sectorConstraints.cases)
    func sectorBounds(_ reference: AllocationFixture.SectorCase) throws {
        let optimizer = try Self.optimizer()
        let groups = Self.sectorConstraints()
        let objective: PortfolioObjective = switch reference.objective {
        case "min_volatility": .minimumVolatility
        case "max_sharpe": .maximumSharpe(riskFreeRate: reference.parameters["risk_free_rate"]!)
        default: .efficientReturn(targetReturn: reference.parameters["target_return"]!)
        }
        let result = try optimizer.optimize(objective, constraints: PortfolioConstraints(assetCount: 20, groups: groups))
        for index in 0..<20 {
            #expect(abs(result.weights[index] - reference.weights[index]) <= 1e-4, "\(Self.fixture.tickers[index])")
        }
        if reference.objective == "max_sharpe" {
            #expect(agrees(result.sharpe, reference.sharpe, relative: 1e-6), "sharpe \(result.sharpe) vs \(reference.sharpe)")
        } else {
            #expect(agrees(result.volatility, reference.volatility, relative: 1e-6), "volatility \(result.volatility) vs \(reference.volatility)")
        }
        for group in groups {
            let total = group.members.reduce(0) { $0 + result.weights[$1] }
            #expect(total >= group.minimum - 1e-9 && total <= group.maximum + 1e-9, "\(group.name) total \(total)")
        }
    }

    @Test("turnover penalty: the penalised objective within 1e-6 relative, weights within 1e-4", arguments: fixture.turnoverPenalty)
    func turnoverPenalty(_ reference: AllocationFixture.TurnoverCase) throws {
        let optimizer = try Self.optimizer()
        let aversion = reference.parameters["risk_aversion"]
        let objective: PortfolioObjective = aversion.map { .maximumQuadraticUtility(riskAversion: $0) } ?? .minimumVolatility
        let constraints = PortfolioConstraints(assetCount: 20, turnover: TurnoverPenalty(currentWeights: reference.wPrev, cost: reference.k))
        let result = try optimizer.optimize(objective, constraints: constraints)
        func value(_ weights: [Double]) -> Double {
            let variance = optimizer.covariance.quadraticForm(weights)
            let turnover = zip(weights, reference.wPrev).reduce(0) { $0 + abs($1.0 - $1.1) }
            let base = aversion.map { -Vector.dot(optimizer.expectedReturns, weights) + $0 / 2 * variance } ?? variance
            return base + reference.k * turnover
        }
        #expect(agrees(value(result.weights), reference.objective, relative: 1e-6), "\(value(result.weights)) vs \(reference.objective)")
        #expect(value(result.weights) <= value(reference.weights) + 1e-8 * abs(reference.objective))
        for index in 0..<20 { #expect(abs(result.weights[index] - reference.weights[index]) <= 1e-4, "\(Self.fixture.tickers[index])") }
    }

    @Test("discrete allocation buys the same shares as PyPortfolioOpt's greedy algorithm", arguments: fixture.discreteAllocation.cases)
    func discreteAllocation(_ reference: AllocationFixture.DiscreteCase) throws {
        let discrete = Self.fixture.discreteAllocation
        let weights = reference.weightsVariant == "raw" ? discrete.weights : discrete.cleanWeights
        let assets = Self.fixture.tickers.indices.map { index in
            DiscreteAllocation.Asset(symbol: Self.fixture.tickers[index], weight: weights[index],
                                     price: Price(FixedDecimal(approximating: discrete.latestPrices[index], fractionalDigits: 6)!))
        }
        let result = try DiscreteAllocation.greedy(assets, total: FixedDecimal(Int(reference.totalPortfolioValue)))
        let bought = Dictionary(uniqueKeysWithValues: result.quantities.map { ($0.symbol, $0.quantity.value) })
        for (index, symbol) in Self.fixture.tickers.enumerated() {
            #expect(bought[symbol] ?? .zero == FixedDecimal(reference.shares[index]), "\(symbol)")
        }
        #expect(abs(result.leftover.doubleValue - reference.leftover) < 1e-6)
    }
}
