import PortfolioOptimizer
import QuantMath
import Testing
import TestSupport

@Suite("Estimators against PyPortfolioOpt")
struct EstimatorReferenceTests {
    let fixture = ReferenceFixture.shared
    let history = ReferenceFixture.history

    @Test("the window and columns match the reference")
    func window() {
        #expect(history.symbols == fixture.tickers)
        #expect(history.prices.count == fixture.priceRows)
    }

    @Test("expected returns match to 1e-9 relative", arguments: [
        ("cagr", ExpectedReturns.Method.cagr), ("mean", .arithmeticMean), ("ema_span_500", .exponentiallyWeighted(span: 500)),
        ("capm_equal_weight_market", .capm(riskFreeRate: 0.02)),
    ])
    func expectedReturns(key: String, method: ExpectedReturns.Method) throws {
        let reference = try #require(fixture.expectedReturns[key])
        let estimate = ExpectedReturns.estimate(history.simpleReturns, method: method)
        for (index, value) in estimate.enumerated() {
            #expect(agrees(value, reference[index], relative: 1e-9), "\(key) \(fixture.tickers[index]): \(value) vs \(reference[index])")
        }
    }

    @Test("covariances match to 1e-9 relative and are positive semi-definite", arguments: [
        ("sample", CovarianceEstimator.Method.sample), ("exponential_span_180", .exponential(span: 180)),
        ("semicovariance_benchmark_0.000079", .semicovariance(benchmark: 0.000079)), ("ledoit_wolf_constant_variance", .ledoitWolf),
    ])
    func covariances(key: String, method: CovarianceEstimator.Method) throws {
        let reference = try #require(fixture.covariances[key])
        let estimate = CovarianceEstimator.estimate(history.simpleReturns, method: method)
        var worst = 0.0
        for row in 0..<estimate.rows {
            for column in 0..<estimate.columns {
                let expected = reference[row][column]
                worst = max(worst, abs(estimate[row, column] - expected) / max(abs(expected), 1e-12))
            }
        }
        #expect(worst <= 1e-9, "\(key): worst relative difference \(worst)")
        #expect(estimate.asymmetry == 0)
        #expect(try SymmetricEigenDecomposition(estimate).eigenvalues.allSatisfy { $0 > -1e-12 })
    }
}
