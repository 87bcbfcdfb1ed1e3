import Foundation
import PortfolioOptimizer
import QuantMath
import TestSupport
import TradingCore

/// The PyPortfolioOpt reference values produced by scripts/reference/portfolio.py.
struct ReferenceFixture: Decodable {
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let name: String
        let objective: String
        let parameters: [String: Double]
        let lowerBound: Double
        let upperBound: Double
        let l2Gamma: Double?
        let weights: [Double]
        let expectedReturn: Double
        let volatility: Double
        let sharpe: Double
        var description: String { name }
    }

    let start: String
    let end: String
    let riskFreeRate: Double
    let tickers: [String]
    let priceRows: Int
    let expectedReturns: [String: [Double]]
    let covariances: [String: [[Double]]]
    let cases: [Case]

    static let shared: ReferenceFixture = {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/PortfolioOptimizerTests/Fixtures/portfolio_reference.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try! decoder.decode(ReferenceFixture.self, from: Data(contentsOf: url))
    }()

    /// The same price window the reference used, read with our own CSV parser.
    static let history: PriceHistory = {
        let url = TestEnvironment.sampleDataDirectory.appendingPathComponent("reference/us20_close_1989-12-29_2018-04-11.csv")
        let bytes = [UInt8](try! Data(contentsOf: url))
        let file = try! BarFileParser(timeframe: .oneDay).parseWideClose(bytes, fileName: url.lastPathComponent)
        return try! PriceHistory(wideClose: file, start: Timestamp(iso8601: shared.start), end: Timestamp(iso8601: shared.end))
    }()
}
