import Foundation
import Prediction
import Testing
import TradingCore
import TradingEngine

@Suite("Champions that trade: the feedback loop's models forecast the policy's streams")
struct ChampionTradingTests {
    static let horizon = Horizon(parsing: "20d")!
    static let symbol = Symbol("SP500")!
    static let bars = TradingLoopTests.prefix(700)

    /// The stream's models fitted on the bars closed by bar `index`'s close, as the registry keeps a version.
    static func champion(_ name: String, fittedAtBar index: Int, knownAtBar known: Int) throws -> ChampionModel {
        let series = try BarSeries(bars: bars[symbol]!, timeframe: .oneDay)
        let models = try Forecaster().fit(series, at: series.closeTime(ofBar: index), horizons: [horizon])
        // Through its stored parameters, as a run reads it back.
        return ChampionModel(symbol: symbol, horizon: horizon, name: name, knownAt: series.closeTime(ofBar: known),
                             models: try Forecaster.FittedModels(parameters: models.parameters!))
    }

    /// Runs a session over the bars, handing `champions[i]` before step i (as the runner does at a batch
    /// start) and restarting from a JSON checkpoint before the steps in `restarts`.
    static func run(champions: [Int: [ChampionModel]], restarts: Set<Int> = []) throws -> [SessionStep] {
        func policy() -> ForecastAllocationPolicy { ForecastAllocationPolicy(horizon: horizon, refitInterval: 3) }
        var session = try TradingSession(bars: bars, timeframe: .oneDay, settings: TradingSessionTests.settings, policy: policy())
        var handed: [ChampionModel] = []
        var steps: [SessionStep] = []
        while !session.isFinished {
            if restarts.contains(session.nextIndex) {
                let checkpoint = try JSONDecoder().decode(SessionCheckpoint.self, from: try JSONEncoder().encode(session.checkpoint))
                session = try TradingSession(bars: bars, timeframe: .oneDay, settings: TradingSessionTests.settings, policy: policy(), resumingFrom: checkpoint)
                // A restarted run reads the registry's champions again before its first step.
                session.setChampions(handed)
            }
            if let next = champions[session.nextIndex] {
                handed = next
                session.setChampions(next)
            }
            steps.append(try session.step())
        }
        return steps
    }

    /// The decision horizon's forecast of the symbol at each step (nil before the first fit).
    static func decisionForecasts(_ steps: [SessionStep]) -> [Forecast?] {
        steps.map { $0.forecasts[symbol]?.first { $0.horizon == horizon } }
    }

    @Test("a champion forecasts its stream from the bar it is known by, exactly as its models do, named by its version")
    func championForecastsFromItsKnownTime() throws {
        let champion = try Self.champion("A", fittedAtBar: 320, knownAtBar: 400)
        let steps = try Self.run(champions: [0: [champion]])
        let series = try BarSeries(bars: Self.bars[Self.symbol]!, timeframe: .oneDay)
        let forecasts = Self.decisionForecasts(steps)
        var used = 0
        for (index, forecast) in forecasts.enumerated() {
            guard let forecast else { continue }
            if index < 400 {
                #expect(forecast.modelVersion == Forecaster.modelVersion, "bar \(index): before its known time the policy's own fit forecasts")
            } else {
                #expect(forecast.modelVersion == "A")
                let expected = try #require(try champion.models.forecast(series.asOf(series.closeTime(ofBar: index))).first)
                #expect(forecast.probabilityUp == expected.probabilityUp && forecast.volatility == expected.volatility
                        && forecast.expectedLogReturn == expected.expectedLogReturn, "bar \(index): the champion's own forecast, bit for bit")
                used += 1
            }
        }
        #expect(used == 300)
        // The other symbol has no champion: its own fit forecasts throughout.
        #expect(steps.allSatisfy { $0.forecasts[Symbol("NASDAQCOMP")!]?.allSatisfy { $0.modelVersion == Forecaster.modelVersion } ?? true })
    }

    @Test("a promotion changes the forecasts traded on at the next decision and the fills; a rollback restores the forecasts; a restart keeps the champion")
    func promotionRollbackAndRestart() throws {
        // E, fitted early, halves weights at two decisions; B, fitted later, halves none.
        let first = try Self.champion("E", fittedAtBar: 220, knownAtBar: 230)
        let promoted = try Self.champion("B", fittedAtBar: 380, knownAtBar: 390)
        let own = try Self.run(champions: [:])
        let championE = try Self.run(champions: [0: [first]])
        let swapped = try Self.run(champions: [0: [first], 400: [promoted], 460: [first]])
        let eFills = championE.flatMap(\.fills)
        #expect(own.flatMap(\.fills) != eFills, "the champion's forecasts change the trading")
        let forecastsE = Self.decisionForecasts(championE), forecastsSwapped = Self.decisionForecasts(swapped)
        for index in 230..<700 {
            let version = forecastsSwapped[index]?.modelVersion
            switch index {
            case ..<400:
                #expect(version == "E" && forecastsSwapped[index]?.probabilityUp == forecastsE[index]?.probabilityUp)
            case ..<460:
                #expect(version == "B", "bar \(index): the promoted champion forecasts from the next step")
            default:
                #expect(version == "E" && forecastsSwapped[index]?.probabilityUp == forecastsE[index]?.probabilityUp, "bar \(index): the rollback restores E's forecasts")
            }
        }
        #expect((400..<460).contains { forecastsSwapped[$0]?.probabilityUp != forecastsE[$0]?.probabilityUp })
        // The fills are E's up to the first decision after the promotion, and part from them after.
        let firstDecision = try #require((400..<700).first { swapped[$0].decided })
        #expect(swapped[..<firstDecision].flatMap(\.fills) == championE[..<firstDecision].flatMap(\.fills))
        #expect(swapped.flatMap(\.fills) != eFills)
        // Restarted twice, once while B leads: the same steps as the uninterrupted run.
        let restarted = try Self.run(champions: [0: [first], 400: [promoted], 460: [first]], restarts: [350, 430])
        #expect(restarted.flatMap(\.fills) == swapped.flatMap(\.fills))
        #expect(Self.decisionForecasts(restarted).map { $0?.probabilityUp } == forecastsSwapped.map { $0?.probabilityUp })
        #expect(Self.decisionForecasts(restarted).map { $0?.modelVersion } == forecastsSwapped.map { $0?.modelVersion })
    }
}
