import QuantMath
import Testing

@Suite("Statistics")
struct StatisticsTests {
    let sample: [Double] = [2, 4, 4, 4, 5, 5, 7, 9]

    @Test("mean, variance and standard deviation follow the ddof convention")
    func moments() {
        #expect(Statistics.mean(sample) == 5)
        #expect(Statistics.variance(sample, ddof: 0) == 4)
        #expect(abs(Statistics.variance(sample, ddof: 1) - 32.0 / 7) < 1e-15)
        #expect(Statistics.standardDeviation(sample, ddof: 0) == 2)
        #expect(Statistics.mean([]).isNaN)
    }

    @Test("quantiles interpolate linearly like numpy", arguments: [(0.0, 2.0), (0.25, 4.0), (0.5, 4.5), (0.9, 7.6), (1.0, 9.0), (0.05, 2.7)])
    func quantiles(q: Double, expected: Double) {
        #expect(abs(Statistics.quantile(sample, q) - expected) < 1e-12)
    }

    @Test("the normal quantile matches scipy.stats.norm.ppf", arguments: [
        (0.975, 1.959963984540054), (0.05, -1.6448536269514729), (0.01, -2.3263478740408408), (0.5, 0.0),
        (1e-10, -6.361340902404056), (0.999, 3.090232306167813),
    ])
    func normalQuantile(p: Double, expected: Double) {
        #expect(abs(Statistics.normalQuantile(p) - expected) <= 1e-14 * max(1, abs(expected)))
    }

    @Test("skewness and excess kurtosis are the biased estimators scipy reports by default")
    func shape() {
        // scipy.stats.skew([2,4,4,4,5,5,7,9]) = 0.65625, kurtosis = -0.21875
        #expect(abs(Statistics.skewness(sample) - 0.65625) < 1e-12)
        #expect(abs(Statistics.excessKurtosis(sample) - -0.21875) < 1e-12)
    }
}
