import FeedbackLoop
import Foundation
import Prediction
import QuantMath
import Testing
import TestSupport
import TradingCore

/// The bundled hourly BTC-USD bars (Coinbase, 2017-07-01 to 2019-10-17).
enum HourlyBitcoin {
    static let bars: [Bar] = {
        let url = TestEnvironment.sampleDataDirectory.appendingPathComponent("BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv")
        return try! BarFileParser(timeframe: .oneHour).parseOHLCV([UInt8](Data(contentsOf: url)), fileName: url.lastPathComponent).bars
    }()

    static func series(before end: Timestamp) -> BarSeries {
        try! BarSeries(bars: bars.filter { $0.openTime < end }, timeframe: .oneHour)
    }
}

/// The settings documented in docs/feedback-loop.md.
extension AdaptiveForecastingSimulation {
    static let documented = AdaptiveForecastingSimulation(
        horizon: Horizon(parsing: "4h")!, detector: PageHinkley(minimumInstances: 30, delta: 0.005, threshold: 50, mode: .up),
        challengerWindow: nil, shadowPairs: 480)
}

@Suite("Feedback loop on real and stationary data")
struct FeedbackSimulationTests {
    /// The all-time high of 2017-12-17: the champion is fitted on the bull market up to it, and the
    /// 2018 crash follows.
    static let change = Timestamp(iso8601: "2017-12-17T00:00:00Z")!

    @Test("BTC-USD through the 2018 crash: drift found within 150 bars, only better challengers promoted, adapted beats frozen out of sample")
    func regimeChange() async throws {
        // Seconds of fitting in a debug build: on a thread of its own, not one of the suite's two cooperative threads.
        let report = try await offPool {
            let series = HourlyBitcoin.series(before: Timestamp(iso8601: "2019-01-01T00:00:00Z")!)
            return try AdaptiveForecastingSimulation.documented.run(series: series, championFitTime: Self.change, streamStart: Self.change)
        }
        let first = try #require(report.detections.first)
        #expect(first.barsAfterStart <= 150, "first drift \(first.barsAfterStart) bars after the change")
        #expect(report.promotions >= 1)
        for evaluation in report.evaluations where evaluation.verdict.promote {
            #expect(evaluation.verdict.improvement.low > 0 && evaluation.verdict.improvement.mean >= 0.01)
            #expect(evaluation.verdict.challengerScore < evaluation.verdict.championScore)
        }
        #expect(report.signals.filter { $0.kind == .adaptation }.count == report.promotions)
        // Lower log score is better; the interval is of frozen − adapted over every scored forecast.
        #expect(report.adaptedScore < report.frozenScore)
        #expect(report.improvement.low > 0, "frozen − adapted \(report.improvement)")
    }

    @Test("a stationary random walk: the detector's false alarm trains a challenger, and it is not promoted", arguments: [UInt64(1), 2])
    func noChangeNoAdaptation(seed: UInt64) async throws {
        var generator = SeededGenerator(seed: seed)
        var close = 10_000.0
        var bars: [Bar] = []
        let start = Timestamp(iso8601: "2020-01-01T00:00:00Z")!
        for index in 0..<7000 {
            // Gaussian returns of 0.8 % per bar by Box-Muller: the same law before and after any time.
            let u1 = max(generator.nextUniform(), 1e-300), u2 = generator.nextUniform()
            let next = close * exp(0.008 * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
            let open = Price(try #require(FixedDecimal(approximating: close, fractionalDigits: 2))), last = Price(try #require(FixedDecimal(approximating: next, fractionalDigits: 2)))
            bars.append(try Bar(openTime: start.adding(milliseconds: Int64(index) * 3_600_000), open: open, high: max(open, last), low: min(open, last),
                                close: last, volume: nil))
            close = next
        }
        let series = try BarSeries(bars: bars, timeframe: .oneHour)
        let fit = series.closeTime(ofBar: 3499)
        let report = try await offPool { try AdaptiveForecastingSimulation.documented.run(series: series, championFitTime: fit, streamStart: fit) }
        // These seeds raise a false alarm (measured: one drift each), so the rule is exercised.
        #expect(!report.evaluations.isEmpty)
        #expect(report.promotions == 0, "\(report.evaluations.map(\.verdict.reason))")
        #expect(report.adaptedScore == report.frozenScore)
    }

    @Test("feature drift: identical windows are stable; the crash moves the volatility features most")
    func featureDrift() throws {
        let series = HourlyBitcoin.series(before: Timestamp(iso8601: "2018-03-01T00:00:00Z")!)
        let fit = try #require((0..<series.count).last { series.closeTime(ofBar: $0) <= Self.change })
        let same = FeatureDrift.stability(series: series, referenceEnd: fit, recentEnd: fit)
        #expect(!same.isEmpty && same.allSatisfy { $0.psi == 0 })
        let shifted = FeatureDrift.stability(series: series, referenceEnd: fit, recentEnd: series.count - 1)
        #expect(shifted.count == same.count && zip(shifted, shifted.dropFirst()).allSatisfy { $0.psi >= $1.psi })
        let top = try #require(shifted.first)
        #expect(top.psi > PopulationStabilityIndex.majorShift, "\(shifted.prefix(3))")
    }
}
