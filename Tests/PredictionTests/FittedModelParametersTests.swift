import Foundation
import Prediction
import Testing
import TradingCore

@Suite("Fitted models kept as parameters")
struct FittedModelParametersTests {
    static let horizons = ["1h", "4h", "24h"].map { Horizon(parsing: $0)! }

    /// Forecasts compared bit for bit.
    static func identical(_ a: [Forecast], _ b: [Forecast]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.expectedLogReturn.bitPattern == y.expectedLogReturn.bitPattern && x.probabilityUp.bitPattern == y.probabilityUp.bitPattern
                && x.volatility.bitPattern == y.volatility.bitPattern && x.returnModel == y.returnModel && x.directionModel == y.directionModel
                && x.volatilityModel == y.volatilityModel && x.dataTime == y.dataTime
                && x.baselines.meanLogReturn.bitPattern == y.baselines.meanLogReturn.bitPattern
                && x.baselines.climatologicalProbabilityUp.bitPattern == y.baselines.climatologicalProbabilityUp.bitPattern
                && x.baselines.ewmaVolatility.bitPattern == y.baselines.ewmaVolatility.bitPattern
        }
    }

    @Test("models turned into JSON and back forecast bit for bit as the fitted ones, at the fit and 300 bars later; advanced models too")
    func roundTrip() throws {
        let series = HourlyBars.series(2600)
        let fitTime = series.closeTime(ofBar: 1999), later = series.closeTime(ofBar: 2299)
        let fitted = try Forecaster().fit(series, at: fitTime, horizons: Self.horizons)
        let parameters = try #require(fitted.parameters)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try encoder.encode(parameters)
        let decoded = try JSONDecoder().decode(Forecaster.FittedModels.Parameters.self, from: json)
        #expect(decoded == parameters)
        #expect(try encoder.encode(decoded) == json, "the stored text is stable")
        let restored = try Forecaster.FittedModels(parameters: decoded)
        #expect(restored.fittedAt == fitTime)
        for time in [fitTime, later] {
            #expect(Self.identical(try restored.forecast(series, at: time), try fitted.forecast(series, at: time)), "at \(time.iso8601)")
        }
        // Carried through bar 2199, then forecast at 2299: the same numbers, from only the last 100 bars' returns.
        let advanced = try restored.advanced(through: series.asOf(series.closeTime(ofBar: 2199)))
        #expect(advanced.fittedAt == series.closeTime(ofBar: 2199))
        #expect(Self.identical(try advanced.forecast(series, at: later), try fitted.forecast(series, at: later)))
        // Only the newest 200 bars (2100…2299) in view: enough for the advanced models.
        let window = try series.asOf(later).series(closedBy: later, limit: 200).asOf(later)
        #expect(Self.identical(try advanced.forecast(window), try fitted.forecast(series, at: later)), "the bars before the advance are no longer needed")
    }

    @Test("parameters of another forecaster version, inconsistent ones, or a view that starts after the fit are refused with the reason")
    func refusals() throws {
        let series = HourlyBars.series(2400)
        let fitted = try Forecaster().fit(series, at: series.closeTime(ofBar: 1999), horizons: Self.horizons)
        let parameters = try #require(fitted.parameters)
        var object = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(parameters)) as? [String: Any])
        object["forecaster"] = "forecaster-0 (retired)"
        let other = try JSONDecoder().decode(Forecaster.FittedModels.Parameters.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(throws: PredictionError.self) { try Forecaster.FittedModels(parameters: other) }
        do {
            _ = try Forecaster.FittedModels(parameters: other)
        } catch {
            #expect(error.description.contains("forecaster-0 (retired)"))
        }
        object["forecaster"] = Forecaster.modelVersion
        object["garch_next_variance"] = nil
        if object["garch"] != nil {
            let broken = try JSONDecoder().decode(Forecaster.FittedModels.Parameters.self, from: try JSONSerialization.data(withJSONObject: object))
            #expect(throws: PredictionError.self) { try Forecaster.FittedModels(parameters: broken) }
        }
        let late = try series.asOf(series.closeTime(ofBar: 2300)).series(closedBy: series.closeTime(ofBar: 2300), limit: 200).asOf(series.closeTime(ofBar: 2300))
        #expect(throws: PredictionError.self) { try fitted.advanced(through: late) }
    }

    @Test("a fit with a reference series has no parameters: its correlation feature needs that series at every forecast")
    func referenceFitsAreNotKept() throws {
        let series = HourlyBars.series(2200)
        var forecaster = Forecaster()
        forecaster.reference = series
        #expect(try forecaster.fit(series, at: series.closeTime(ofBar: 1999), horizons: Self.horizons).parameters == nil)
    }
}
