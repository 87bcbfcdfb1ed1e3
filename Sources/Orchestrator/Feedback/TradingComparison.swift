import Analytics
import FeedbackLoop
import Foundation
import PortfolioOptimizer
import Prediction
import TradingCore
import TradingEngine

/// `orchestrator feedback compare-trading`: the forecast-allocation policy traded three ways over
/// the same bars from a window's start — its own periodic refit (`own`), the champion fitted at
/// the start and never replaced (`frozen`), and the champions the loop's rule promotes on each
/// symbol's stream (`adaptive`: drift → challenger → 480 shadow forecasts → promotion, each
/// champion handed from the bar its verdict was known) — with each arm's trading results and the
/// log score of the forecasts it traded on. Point in time: nothing at bar t reads a bar after t.
public enum TradingComparison {
    /// The experiment's settings.
    public struct Request: Sendable {
        public var paths: [String]
        /// The champion's fit time and the window's start.
        public var start: Timestamp
        /// The window's last bar (nil: the files' end).
        public var end: Timestamp?
        public var rebalanceEvery = 5
        public var refitEvery = 126
        public var shadowPairs = 480
        public var riskLevel = RiskLevel.medium
        /// The risk gate's drawdown and daily-loss halts (`run`'s: 35 % and 5 %); 1 leaves them out.
        public var maximumDrawdown = 0.35
        public var maximumDailyLoss = 0.05

        /// Creates a request.
        public init(paths: [String], start: Timestamp) {
            self.paths = paths
            self.start = start
        }
    }

    /// One arm's figures over the window.
    struct Arm {
        let name: String
        let totalReturn: Double
        let sharpe: Double
        let maximumDrawdown: Double
        let fills: Int
        let meanLogScore: Double
        let forecastsScored: Int
        /// Whether the risk gate had halted the account before the window began.
        let haltedAtStart: Bool
        /// Bars of the window spent halted.
        let haltedBars: Int
    }

    /// Runs the three arms and reports them.
    public static func run(_ request: Request) throws -> AdministrationCommands.Output {
        var files: [Symbol: OHLCVFile] = [:]
        for path in request.paths {
            let file = try OHLCVFile.read(path)
            guard let symbol = Symbol(file.symbol) else { throw ImportFileError(path: path, reason: "\(file.symbol) is not a valid symbol") }
            files[symbol] = file
        }
        let timeframes = Set(files.values.map(\.timeframe))
        guard timeframes.count == 1, let timeframe = timeframes.first else { throw ImportFileError(path: request.paths.joined(separator: ","), reason: "the files' bars differ in length") }
        // The bar times every symbol has, up to the window's end.
        let shared = files.values.dropFirst().reduce(Set(files.values.first!.bars.map(\.openTime))) { $0.intersection($1.bars.map(\.openTime)) }
            .filter { time in request.end.map { time.adding(milliseconds: timeframe.milliseconds) <= $0 } ?? true }
        let bars = files.mapValues { file in file.bars.filter { shared.contains($0.openTime) } }
        guard let horizon = Horizon(bars: request.rebalanceEvery, of: timeframe) else { throw PredictionError.invalidHorizon("the rebalance interval is too long") }
        let series = try bars.mapValues { try BarSeries(bars: $0, timeframe: timeframe) }
        guard let first = series.values.first else { throw ImportFileError(path: request.paths.joined(separator: ","), reason: "no bars") }
        guard let startIndex = (0..<first.count).first(where: { first.closeTime(ofBar: $0) >= request.start }), startIndex > 300 else {
            throw PredictionError.invalidParameter("the window must start after more than 300 shared bars and before the last one")
        }
        let start = first.closeTime(ofBar: startIndex)
        // Each symbol's champions: the one fitted at the start, then each promoted challenger from the bar its verdict was known.
        var timelines: [Symbol: [ChampionModel]] = [:]
        var promotions: [JSONValue] = []
        for (symbol, symbolSeries) in series.sorted(by: { $0.key < $1.key }) {
            let simulation = AdaptiveForecastingSimulation(horizon: horizon, detector: PageHinkley(minimumInstances: 30, delta: 0.005, threshold: 50, mode: .up),
                                                           challengerWindow: nil, shadowPairs: request.shadowPairs)
            let report = try simulation.run(series: symbolSeries, championFitTime: start, streamStart: start)
            var timeline = [ChampionModel(symbol: symbol, horizon: horizon, name: "\(symbol.rawValue) fitted \(start.iso8601)", knownAt: start,
                                          models: try Forecaster().fit(symbolSeries, at: start, horizons: [horizon]))]
            for evaluation in report.evaluations where evaluation.verdict.promote {
                timeline.append(ChampionModel(symbol: symbol, horizon: horizon, name: "\(symbol.rawValue) fitted \(evaluation.fittedAt.iso8601)",
                                              knownAt: evaluation.decidedAt, models: try Forecaster().fit(symbolSeries, at: evaluation.fittedAt, horizons: [horizon])))
                promotions.append(["symbol": .string(symbol.rawValue), "fitted_at": .string(evaluation.fittedAt.iso8601),
                                   "known_at": .string(evaluation.decidedAt.iso8601), "gain_nats": .number(evaluation.verdict.improvement.mean)])
            }
            timelines[symbol] = timeline
        }
        let arms = try [
            arm("own", bars: bars, timeframe: timeframe, horizon: horizon, request: request, startIndex: startIndex, champions: { _ in nil }),
            arm("frozen", bars: bars, timeframe: timeframe, horizon: horizon, request: request, startIndex: startIndex,
                champions: { index in index == startIndex ? timelines.values.map { $0[0] } : nil }),
            arm("adaptive", bars: bars, timeframe: timeframe, horizon: horizon, request: request, startIndex: startIndex, champions: { index in
                guard index >= startIndex else { return nil }
                let time = first.closeTime(ofBar: index)
                // The newest champion known by the previous close, as a batch start would hand it.
                return timelines.values.compactMap { timeline in timeline.last { $0.knownAt <= time } }
            }),
        ]
        let json: JSONValue = [
            "symbols": .array(bars.keys.sorted().map { .string($0.rawValue) }), "timeframe": .string(timeframe.rawValue), "horizon": .string(horizon.label),
            "start": .string(start.iso8601), "end": .string(first.closeTime(ofBar: first.count - 1).iso8601), "bars": .int(first.count - startIndex),
            "promotions": .array(promotions),
            "arms": .array(arms.map { arm in
                ["arm": .string(arm.name), "total_return": .number(arm.totalReturn), "sharpe": .number(arm.sharpe), "max_drawdown": .number(arm.maximumDrawdown),
                 "fills": .int(arm.fills), "mean_log_score": .number(arm.meanLogScore), "forecasts_scored": .int(arm.forecastsScored),
                 "halted_at_start": .bool(arm.haltedAtStart), "halted_bars": .int(arm.haltedBars)]
            }),
        ]
        return AdministrationCommands.Output(
            json: json, columns: ["arm", "total return", "Sharpe", "max drawdown", "fills", "mean log score (lower is better)", "forecasts scored", "halted bars"],
            rows: arms.map { arm in
                [arm.name, String(format: "%+.2f %%", arm.totalReturn * 100), String(format: "%.3f", arm.sharpe), String(format: "%.2f %%", arm.maximumDrawdown * 100),
                 "\(arm.fills)", String(format: "%.4f", arm.meanLogScore), "\(arm.forecastsScored)", "\(arm.haltedBars)"]
            },
            footer: "\(bars.keys.sorted().map(\.rawValue).joined(separator: ", ")) \(timeframe.rawValue), decisions every \(request.rebalanceEvery) bars (horizon \(horizon.label)), "
                + "from \(start.iso8601): \(promotions.count) promotion(s)")
    }

    /// One arm: a session over the bars, handed `champions(i)` before step i when not nil.
    static func arm(_ name: String, bars: [Symbol: [Bar]], timeframe: Timeframe, horizon: Horizon, request: Request, startIndex: Int,
                    champions: (Int) -> [ChampionModel]?) throws -> Arm {
        let cash = FixedDecimal(100_000)
        let level = request.riskLevel
        // The settings `run` trades with (its default commission, no slippage), the halts as asked.
        let settings = RunCommand.tradingSettings(cash: cash, venue: SimulatedVenue(commissionRate: FixedDecimal("0.001")!, slippageBasisPoints: .zero),
                                                  riskLevel: level, rebalanceEvery: request.rebalanceEvery, account: name,
                                                  maximumDailyLoss: request.maximumDailyLoss, maximumDrawdown: request.maximumDrawdown)
        let refitDecisions = RunCommand.refitInterval(bars: request.refitEvery, rebalanceEvery: request.rebalanceEvery)
        var session = try TradingSession(bars: bars, timeframe: timeframe, settings: settings,
                                         policy: ForecastAllocationPolicy(riskLevel: level, horizon: horizon, refitInterval: refitDecisions))
        var equity: [Double] = []
        var fills = 0
        var haltedAtStart = false, haltedBars = 0
        // The decision horizon's forecasts from the start on: (symbol, bar index, claim).
        var claims: [(Symbol, Int, ForecastClaim)] = []
        while !session.isFinished {
            let index = session.nextIndex
            if let handed = champions(index) { session.setChampions(handed) }
            let step = try session.step()
            if index == startIndex - 1 { haltedAtStart = step.state == .halted }
            guard index >= startIndex else { continue }
            if step.state == .halted { haltedBars += 1 }
            equity.append(step.equity.doubleValue)
            fills += step.fills.count
            for (symbol, forecasts) in step.forecasts {
                if let forecast = forecasts.first(where: { $0.horizon == horizon }) { claims.append((symbol, index, ForecastClaim(forecast))) }
            }
        }
        let closes = bars.mapValues { $0.map(\.close.value.doubleValue) }
        var scores: [Double] = []
        for (symbol, index, claim) in claims where index + request.rebalanceEvery < closes[symbol]!.count {
            scores.append(ForecastOutcome(claim: claim, realisedLogReturn: log(closes[symbol]![index + request.rebalanceEvery] / closes[symbol]![index])).logScore)
        }
        // Sharpe and drawdown by the reference-checked analytics (empyrical's conventions), over the step returns.
        let returns = zip(equity.dropFirst(), equity).map { $0 / $1 - 1 }
        let perYear = timeframe == .oneDay ? 252 : 365 * 86_400_000.0 / Double(timeframe.milliseconds)
        let metrics = try? PerformanceAnalytics.metrics(returns: returns, options: MetricsOptions(periodsPerYear: perYear))
        let sharpe = metrics.map { $0.sharpeRatio.isFinite ? $0.sharpeRatio : 0 } ?? 0
        return Arm(name: name, totalReturn: (equity.last ?? 1) / (equity.first ?? 1) - 1, sharpe: sharpe,
                   maximumDrawdown: -(metrics?.maxDrawdown ?? 0), fills: fills, meanLogScore: scores.reduce(0, +) / Double(max(scores.count, 1)), forecastsScored: scores.count,
                   haltedAtStart: haltedAtStart, haltedBars: haltedBars)
    }
}
