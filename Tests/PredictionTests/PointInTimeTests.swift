import Foundation
import Prediction
import Testing
import TestSupport
import TradingCore

/// The bundled hourly BTC-USD bars.
enum HourlyBars {
    static let all: [Bar] = {
        let url = TestEnvironment.sampleDataDirectory.appendingPathComponent("BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv")
        return try! BarFileParser(timeframe: .oneHour).parseOHLCV([UInt8](Data(contentsOf: url)), fileName: url.lastPathComponent).bars
    }()

    static func series(_ count: Int) -> BarSeries { try! BarSeries(bars: Array(all.prefix(count)), timeframe: .oneHour) }
}

@Suite("No look-ahead and bad input")
struct PointInTimeTests {
    @Test("forecasts and regimes at t are bit-identical whether or not the bars after t exist")
    func noLookAhead() throws {
        let full = HourlyBars.series(3000)
        let decision = full.closeTime(ofBar: 1999)
        let truncated = HourlyBars.series(2000)
        let horizons = ["1h", "4h", "24h"].map { Horizon(parsing: $0)! }
        let withFuture = try Forecaster().forecast(full, at: decision, horizons: horizons)
        let withoutFuture = try Forecaster().forecast(truncated, at: decision, horizons: horizons)
        for (a, b) in zip(withFuture, withoutFuture) {
            #expect(a.expectedLogReturn.bitPattern == b.expectedLogReturn.bitPattern)
            #expect(a.probabilityUp.bitPattern == b.probabilityUp.bitPattern)
            #expect(a.volatility.bitPattern == b.volatility.bitPattern)
            #expect(a.dataTime == decision && b.dataTime == decision)
        }
        let regimesWith = try RegimeDetector().detect(full, at: decision)
        let regimesWithout = try RegimeDetector().detect(truncated, at: decision)
        #expect(regimesWith.hmm.logLikelihood.bitPattern == regimesWithout.hmm.logLikelihood.bitPattern)
        #expect(regimesWith.trend.statistic.bitPattern == regimesWithout.trend.statistic.bitPattern)
    }

    @Test("the regime of every bar for the chart's bands is the one classify gives at that bar's close, and does not change when later bars arrive")
    func regimeBandsAreCausal() throws {
        let closes = HourlyBars.all.prefix(2_600).map { $0.close.value.doubleValue }
        let detector = RegimeDetector()
        let labels = detector.labelsByBar(closes: Array(closes))
        let shorter = detector.labelsByBar(closes: Array(closes.prefix(1_800)))
        #expect(labels.prefix(1_800).map { "\($0.trend.map(\.rawValue) ?? "-")\($0.volatility.map(\.rawValue) ?? "-")" }
                == shorter.map { "\($0.trend.map(\.rawValue) ?? "-")\($0.volatility.map(\.rawValue) ?? "-")" })
        #expect(labels[298].trend == nil && labels[299].trend != nil && labels[298].volatility == nil && labels[299].volatility != nil)
        // A series that does not move has no regime, as classify refuses it.
        #expect(detector.labelsByBar(closes: Array(repeating: 100, count: 400)).allSatisfy { $0.trend == nil && $0.volatility == nil })
        #expect(throws: PredictionError.self) { try detector.classify(try BarSeries(bars: Array(HourlyBars.all.prefix(400)).map {
            try Bar(openTime: $0.openTime, open: Price("100")!, high: Price("100")!, low: Price("100")!, close: Price("100")!, volume: nil) }, timeframe: .oneHour),
            at: HourlyBars.series(400).closeTime(ofBar: 399)) }
        let series = HourlyBars.series(2_600)
        // Bars before, at and after the 1,000-window history fills, and the last.
        for bar in [299, 700, 1_024, 1_025, 1_600, 2_599] {
            let classification = try detector.classify(series, at: series.closeTime(ofBar: bar))
            #expect(labels[bar].trend == classification.trend.label, "trend at bar \(bar)")
            #expect(labels[bar].volatility == classification.volatility.label, "volatility at bar \(bar)")
        }
        #expect(Set(labels.compactMap(\.volatility)).count == 3 && Set(labels.compactMap(\.trend)).count == 3)
    }

    @Test("with a reference series, forecasts at t are still bit-identical whether or not later bars exist in either")
    func noLookAheadWithReference() throws {
        let horizons = [Horizon(parsing: "4h")!]
        let decision = HourlyBars.series(3000).closeTime(ofBar: 1499)
        var withFuture = Forecaster()
        withFuture.reference = HourlyBars.series(3000)
        var withoutFuture = Forecaster()
        withoutFuture.reference = HourlyBars.series(1500)
        let a = try withFuture.forecast(HourlyBars.series(3000), at: decision, horizons: horizons)
        let b = try withoutFuture.forecast(HourlyBars.series(1500), at: decision, horizons: horizons)
        #expect(a[0].expectedLogReturn.bitPattern == b[0].expectedLogReturn.bitPattern)
        #expect(a[0].probabilityUp.bitPattern == b[0].probabilityUp.bitPattern)
        // The correlation of a series with itself is 1.
        let series = HourlyBars.series(300)
        let bars = series.asOf(series.lastCloseTime!)
        let features = try Features.vector(bars, reference: bars)
        #expect(features.count == Features.names(withReference: true).count)
        #expect(abs(features.last! - 1) < 1e-12)
    }

    @Test("a decision time between closes sees only the bars closed by then")
    func partialBarIsInvisible() {
        let series = HourlyBars.series(200)
        let inside = Timestamp(millisecondsSinceEpoch: series.closeTime(ofBar: 149).millisecondsSinceEpoch + 1_800_000)
        #expect(series.asOf(inside).count == 150)
        #expect(series.asOf(inside).dataTime == series.closeTime(ofBar: 149))
        #expect(series.asOf(series.closeTime(ofBar: 0)).count == 1)
        #expect(series.asOf(Timestamp(millisecondsSinceEpoch: series.closeTime(ofBar: 0).millisecondsSinceEpoch - 1)).count == 0)
    }

    @Test("horizons finer than the bars or not whole bars are refused with the reason", arguments: [
        ("5m", "finer than the data's 1h bars"), ("90m", "not a whole number of 1h bars"),
    ])
    func badHorizon(text: String, message: String) {
        #expect {
            try Forecaster().forecast(HourlyBars.series(400), at: HourlyBars.series(400).lastCloseTime!, horizons: [Horizon(parsing: text)!])
        } throws: { error in
            String(describing: error).contains(message)
        }
    }

    @Test("too few bars is an error naming the need")
    func tooFewBars() {
        #expect {
            try Forecaster().forecast(HourlyBars.series(60), at: HourlyBars.series(60).lastCloseTime!, horizons: [Horizon(parsing: "1h")!])
        } throws: { error in
            String(describing: error).contains("needs at least 100")
        }
    }

    @Test("constant prices give finite baseline forecasts, flagged as baselines, never NaN")
    func constantPrices() throws {
        let origin = Timestamp(iso8601: "2024-01-01")!
        let bars = try (0..<400).map { index in
            try Bar(openTime: origin.adding(milliseconds: Int64(index) * 3_600_000), open: Price("100")!, high: Price("100")!,
                    low: Price("100")!, close: Price("100")!, volume: Quantity("1"))
        }
        let series = try BarSeries(bars: bars, timeframe: .oneHour)
        let forecasts = try Forecaster().forecast(series, at: series.lastCloseTime!, horizons: [Horizon(parsing: "4h")!])
        for forecast in forecasts {
            #expect([forecast.expectedLogReturn, forecast.probabilityUp, forecast.volatility, forecast.intervalLow, forecast.intervalHigh].allSatisfy { $0.isFinite })
            #expect(forecast.directionModel == .baselineClimatology && forecast.volatilityModel == .baselineEWMA)
        }
        #expect(throws: PredictionError.self) { try GARCHModel.fit([Double](repeating: 0, count: 200)) }
    }

    @Test("walk-forward reports every comparison with a bootstrap interval around its mean difference")
    func walkForward() throws {
        let reports = try WalkForwardEvaluation(folds: 3).run(HourlyBars.series(2500), horizons: [Horizon(parsing: "1h")!, Horizon(parsing: "24h")!])
        #expect(reports.map(\.horizon.label) == ["1h", "24h"])
        for report in reports {
            #expect(report.testPoints > 1000)
            #expect(report.comparisons.map(\.metric) == ["brier_score", "log_loss", "mae_return", "qlike_variance", "mse_variance"])
            for comparison in report.comparisons {
                let difference = comparison.modelLoss - comparison.baselineLoss
                #expect(comparison.differenceLow <= difference + 1e-12 && difference <= comparison.differenceHigh + 1e-12, "\(comparison.metric)")
                #expect(comparison.modelLoss.isFinite && comparison.baselineLoss.isFinite)
            }
            #expect(report.calibration.reduce(0) { $0 + $1.count } == report.testPoints)
        }
    }
}

@Suite("Fitted models")
struct FittedModelTests {
    @Test("models fitted at t forecast later bars without refitting, and the same as a fresh forecast at t")
    func fittedModelsCarryForward() throws {
        let series = HourlyBars.series(1500)
        let fitTime = series.closeTime(ofBar: 1399)
        let horizons = [Horizon(parsing: "1h")!, Horizon(parsing: "4h")!]
        let models = try Forecaster().fit(series, at: fitTime, horizons: horizons)
        let atFit = try models.forecast(series, at: fitTime)
        let fresh = try Forecaster().forecast(series, at: fitTime, horizons: horizons)
        for (a, b) in zip(atFit, fresh) { #expect(a.expectedLogReturn == b.expectedLogReturn && a.volatility == b.volatility) }
        let later = try models.forecast(series, at: series.closeTime(ofBar: 1450))
        #expect(later.allSatisfy { $0.dataTime == series.closeTime(ofBar: 1450) && $0.volatility.isFinite && $0.volatility > 0 })
        #expect(throws: PredictionError.self) { try models.forecast(series, at: series.closeTime(ofBar: 1000)) }
    }
}
