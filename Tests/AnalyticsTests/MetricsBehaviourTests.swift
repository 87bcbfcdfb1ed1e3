import Analytics
import Testing
import TestSupport

@Suite("Performance metrics: edge cases and errors")
struct MetricsBehaviourTests {
    @Test("a loss followed by a full recovery reports the peak, trough and recovery returns")
    func drawdownIndicesOnAHandMadeSeries() throws {
        // Wealth: 1.1, 1.21, 0.968, 0.8712, 1.2197 → peak at index 1, trough at 3, back above 1.21 at 4.
        let metrics = try PerformanceAnalytics.metrics(returns: [0.1, 0.1, -0.2, -0.1, 0.4])
        #expect(metrics.maxDrawdownPeakIndex == 1)
        #expect(metrics.maxDrawdownTroughIndex == 3)
        #expect(metrics.maxDrawdownRecoveryIndex == 4)
        #expect(agrees(metrics.maxDrawdown, 0.8712 / 1.21 - 1, relative: 1e-12))
        #expect(agrees(metrics.cumulativeReturn, 1.1 * 1.1 * 0.8 * 0.9 * 1.4 - 1, relative: 1e-12))
    }

    @Test("a first-day loss is a drawdown from the starting wealth, not from the first close")
    func drawdownFromStart() throws {
        let metrics = try PerformanceAnalytics.metrics(returns: [-0.1, 0.05, 0.01])
        #expect(metrics.maxDrawdownPeakIndex == nil)
        #expect(metrics.maxDrawdownTroughIndex == 0)
        #expect(metrics.maxDrawdownRecoveryIndex == nil)
        #expect(agrees(metrics.maxDrawdown, -0.1, relative: 1e-12))
    }

    @Test("Calmar is undefined without a drawdown and omega without a loss")
    func undefinedRatiosAreNaN() throws {
        let metrics = try PerformanceAnalytics.metrics(returns: [0.01, 0.02, 0.03])
        #expect(metrics.maxDrawdown == 0)
        #expect(metrics.calmarRatio.isNaN)
        #expect(metrics.omegaRatio.isNaN)
        #expect(metrics.alpha == nil && metrics.beta == nil)
    }

    @Test("a benchmark that is the series itself has beta 1 and alpha 0")
    func selfBenchmark() throws {
        let returns = [0.01, -0.02, 0.015, 0.003, -0.007, 0.02]
        let metrics = try PerformanceAnalytics.metrics(returns: returns, benchmark: returns,
                                                       options: MetricsOptions(riskFreeRate: 0.0001))
        #expect(agrees(metrics.beta!, 1, relative: 1e-12))
        #expect(abs(metrics.alpha!) < 1e-12)
    }

    @Test("bad input is named: too short, non-finite or below -100 %, misaligned benchmark", arguments: [
        ([0.01], nil, AnalyticsError.insufficientData(count: 1, needed: 2)),
        ([0.01, .nan, 0.02], nil, .invalidReturn(series: "portfolio", index: 1, value: .nan)),
        ([0.01, 0.02, -1.5], nil, .invalidReturn(series: "portfolio", index: 2, value: -1.5)),
        ([0.01, 0.02], [0.01], .benchmarkLengthMismatch(returns: 2, benchmark: 1)),
        ([0.01, 0.02], [0.01, .infinity], .invalidReturn(series: "benchmark", index: 1, value: .infinity)),
    ] as [([Double], [Double]?, AnalyticsError)])
    func badInputIsRejected(returns: [Double], benchmark: [Double]?, expected: AnalyticsError) {
        do {
            _ = try PerformanceAnalytics.metrics(returns: returns, benchmark: benchmark)
            Issue.record("accepted \(returns)")
        } catch {
            // NaN never equals itself, so compare the descriptions, which name the series, index and value.
            #expect(error.description == expected.description)
        }
    }
}
