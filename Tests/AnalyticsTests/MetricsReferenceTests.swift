import Analytics
import Foundation
import Testing
import TestSupport

/// The empyrical/scipy reference values produced by scripts/reference/analytics.py.
struct AnalyticsFixture: Decodable {
    struct Case: Decodable, Sendable, CustomStringConvertible {
        let name: String
        let returns: [Double]
        let benchmarkReturns: [Double]?
        let dates: [String]?
        let riskFree: [String: Double]
        let requiredReturn: [String: Double]
        let infiniteFields: [String: String]
        let metrics: [String: FixtureValue]
        var description: String { name }

        /// The reference number of a metric: nil when it is null (undefined) in the fixture.
        func number(_ key: String) -> Double? {
            if case .number(let value) = metrics[key] { return value }
            if let sign = infiniteFields[key] { return sign == "-inf" ? -.infinity : .infinity }
            return nil
        }

        func date(_ key: String) -> String? {
            if case .text(let value) = metrics[key] { return value }
            return nil
        }
    }

    /// A number, a date or null in the fixture's metrics object.
    enum FixtureValue: Decodable, Sendable {
        case number(Double)
        case text(String)
        case null

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let number = try? container.decode(Double.self) { self = .number(number) }
            else { self = .text(try container.decode(String.self)) }
        }
    }

    let cases: [Case]

    static let shared: AnalyticsFixture = {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/AnalyticsTests/Fixtures/analytics_reference.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try! decoder.decode(AnalyticsFixture.self, from: Data(contentsOf: url))
    }()
}

extension PerformanceMetrics {
    /// The metrics by their stable snake_case names (the CLI and API keys).
    var byName: [String: Double?] {
        [
            "annual_return": annualReturn, "cumulative_return": cumulativeReturn, "annual_volatility": annualVolatility,
            "sharpe_ratio": sharpeRatio, "sortino_ratio": sortinoRatio, "downside_risk": downsideRisk,
            "calmar_ratio": calmarRatio, "max_drawdown": maxDrawdown, "omega_ratio": omegaRatio, "tail_ratio": tailRatio,
            "stability": stability, "value_at_risk_95": valueAtRisk95, "value_at_risk_99": valueAtRisk99,
            "conditional_value_at_risk_95": conditionalValueAtRisk95, "conditional_value_at_risk_99": conditionalValueAtRisk99,
            "gaussian_value_at_risk_95": gaussianValueAtRisk95, "gaussian_value_at_risk_99": gaussianValueAtRisk99,
            "gaussian_conditional_value_at_risk_95": gaussianConditionalValueAtRisk95,
            "gaussian_conditional_value_at_risk_99": gaussianConditionalValueAtRisk99,
            "cornish_fisher_value_at_risk_95": cornishFisherValueAtRisk95, "cornish_fisher_value_at_risk_99": cornishFisherValueAtRisk99,
            "cornish_fisher_conditional_value_at_risk_95": cornishFisherConditionalValueAtRisk95,
            "cornish_fisher_conditional_value_at_risk_99": cornishFisherConditionalValueAtRisk99,
            "skewness": skewness, "excess_kurtosis": excessKurtosis, "alpha": alpha, "beta": beta, "information_ratio": informationRatio,
        ]
    }
}

@Suite("Performance metrics against empyrical and scipy")
struct MetricsReferenceTests {
    static func options(for reference: AnalyticsFixture.Case) -> MetricsOptions {
        // The script passes one risk-free rate to Sharpe, omega and alpha; check it did.
        let rates = Set(reference.riskFree.values)
        precondition(rates.count == 1, "the fixture uses different risk-free rates per metric")
        precondition(reference.requiredReturn["sortino_ratio"] == reference.requiredReturn["downside_risk"])
        return MetricsOptions(riskFreeRate: rates.first!, requiredReturn: reference.requiredReturn["sortino_ratio"]!,
                              omegaRequiredReturn: reference.requiredReturn["omega_ratio_annual"]!)
    }

    @Test("every metric matches the reference within 1e-9 relative", arguments: AnalyticsFixture.shared.cases)
    func metricsMatchReference(_ reference: AnalyticsFixture.Case) throws {
        let computed = try PerformanceAnalytics.metrics(returns: reference.returns, benchmark: reference.benchmarkReturns,
                                                        options: Self.options(for: reference)).byName
        for name in reference.metrics.keys where computed.keys.contains(name) {
            let value = computed[name]!, expected = reference.number(name)
            switch (value, expected) {
            case (nil, nil): continue
            case (let value?, nil): #expect(value.isNaN, "\(name): expected undefined, got \(value)")
            case (nil, let expected?): Issue.record("\(name): expected \(expected), got nothing")
            case (let value?, let expected?) where expected.isInfinite:
                #expect(value == expected, "\(name): \(value) vs reference \(expected)")
            case (let value?, let expected?):
                #expect(agrees(value, expected, relative: 1e-9), "\(name): \(value) vs reference \(expected)")
            }
        }
        let compared = Set(reference.metrics.keys).intersection(computed.keys)
        #expect(compared.count >= 20, "only \(compared.count) metrics were compared")
    }

    @Test("the drawdown's peak, trough and recovery dates match the reference", arguments: AnalyticsFixture.shared.cases.filter { $0.dates != nil })
    func drawdownDatesMatchReference(_ reference: AnalyticsFixture.Case) throws {
        let computed = try PerformanceAnalytics.metrics(returns: reference.returns, options: Self.options(for: reference))
        let dates = reference.dates!
        #expect(computed.maxDrawdownTroughIndex.map { dates[$0] } == reference.date("max_drawdown_trough_date"))
        #expect((computed.maxDrawdownPeakIndex.map { dates[$0] } ?? "start") == reference.date("max_drawdown_peak_date"))
        #expect(computed.maxDrawdownRecoveryIndex.map { dates[$0] } == reference.date("max_drawdown_recovery_date"))
    }
}
