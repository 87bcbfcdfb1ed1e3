import Foundation
import Prediction
import TradingCore

/// The feedback loop run over a bar series, bar by bar, next to a frozen copy of the system, so
/// the value of adapting is measured rather than assumed.
///
/// A champion is fitted on the bars closed by `championFitTime`. From `streamStart` on, at each bar
/// close every live model forecasts `horizon` ahead from the bars closed by then; a forecast is
/// scored when its target bar closes (log score: −log Gaussian density of the realised return).
/// The champion's score stream feeds a Page-Hinkley detector (mode up: scores getting worse). On a
/// drift a challenger is fitted on the bars closed by then (only the newest `challengerWindow`
/// when set) and runs in shadow; after
/// `shadowPairs` paired scores the promotion rule decides. A promotion is an ADAPTATION signal;
/// a rejection keeps the champion (no signal of change, the verdict is reported). The frozen
/// system keeps the first champion throughout. Nothing at bar t reads a bar closed after t.
public struct AdaptiveForecastingSimulation: Sendable {
    /// The forecast horizon scored.
    public var horizon: Horizon
    /// The detector's settings (its state starts empty).
    public var detector: PageHinkley
    /// Newest bars a challenger is trained on.
    public var challengerWindow: Int?
    /// Paired shadow scores needed before the verdict.
    public var shadowPairs: Int
    /// Newest returns the challenger's GARCH is fitted on (nil: the forecaster's default).
    public var garchWindow: Int?
    /// The promotion rule.
    public var rule: PromotionRule

    /// Creates a simulation.
    public init(horizon: Horizon, detector: PageHinkley, challengerWindow: Int?, shadowPairs: Int, rule: PromotionRule = PromotionRule()) {
        self.horizon = horizon
        self.detector = detector
        self.challengerWindow = challengerWindow
        self.shadowPairs = shadowPairs
        self.rule = rule
    }

    /// A drift the detector signalled.
    public struct Detection: Sendable, Hashable, Codable {
        /// The close time of the bar at which it fired, and its number of bars after the stream start.
        public let time: Timestamp
        public let barsAfterStart: Int
        /// The population stability index of the newest `psiWindow` bar returns against the
        /// champion's last `psiWindow` training returns.
        public let returnPSI: Double
        /// The forecasting feature whose distribution moved most (same windows), and its PSI.
        public let mostShiftedFeature: String?
        public let mostShiftedFeaturePSI: Double?
        /// Whether a challenger was trained (false while another one is in shadow).
        public let challengerStarted: Bool
    }

    /// A challenger's verdict.
    public struct Evaluation: Sendable, Hashable, Codable {
        /// When the challenger was fitted and when it was judged.
        public let fittedAt: Timestamp
        public let decidedAt: Timestamp
        /// The rule's verdict and evidence.
        public let verdict: PromotionRule.Verdict
    }

    /// What happened.
    public struct Report: Sendable, Codable {
        /// Bars streamed and forecasts scored.
        public let bars: Int
        public let scored: Int
        /// Drifts, verdicts, and the signals raised.
        public let detections: [Detection]
        public let evaluations: [Evaluation]
        public let signals: [LearningSignal]
        /// Mean log score of the adapted and the frozen system over the same scored forecasts.
        public let adaptedScore: Double
        public let frozenScore: Double
        /// Block-bootstrap interval of frozen − adapted (positive: adapting helped).
        public let improvement: BlockBootstrap.Interval
        /// Mean log scores over the forecasts made at or after `comparisonStart` only (the
        /// out-of-sample stretch after the first promotion); nil without a promotion.
        public let adaptedScoreAfterPromotion: Double?
        public let frozenScoreAfterPromotion: Double?

        /// Promotions made.
        public var promotions: Int { evaluations.filter(\.verdict.promote).count }
    }

    /// Runs the loop over `series` from `streamStart` (exclusive of earlier bars) to its end.
    public func run(series: BarSeries, championFitTime: Timestamp, streamStart: Timestamp) throws -> Report {
        let steps = try horizon.bars(of: series.timeframe)
        let closes = Array(series.asOf(series.lastCloseTime ?? streamStart).closes)
        guard let first = (0..<series.count).first(where: { series.closeTime(ofBar: $0) >= streamStart }) else {
            throw PredictionError.invalidParameter("the stream starts after the last bar")
        }
        let frozen = try Forecaster().fit(series, at: championFitTime, horizons: [horizon])
        var champion = frozen, championName = "champion@\(championFitTime.iso8601)"
        var challenger: (model: Forecaster.FittedModels, name: String, fittedAt: Timestamp)?
        var detector = self.detector
        var detections: [Detection] = [], evaluations: [Evaluation] = [], signals: [LearningSignal] = []
        // Forecasts waiting for their target bar, by the index of the bar they were made at.
        var pendingAdapted: [Int: ForecastClaim] = [:], pendingFrozen: [Int: ForecastClaim] = [:], pendingChallenger: [Int: ForecastClaim] = [:]
        var adaptedScores: [Double] = [], frozenScores: [Double] = [], madeAt: [Int] = []
        var shadowChampion: [Double] = [], shadowChallenger: [Double] = []
        var firstPromotionBar: Int?
        let championTrainingEnd = (0..<series.count).last { series.closeTime(ofBar: $0) <= championFitTime } ?? 0

        for index in first..<series.count {
            let time = series.closeTime(ofBar: index)
            // 1. Score the forecasts whose target is this bar.
            let origin = index - steps
            if origin >= first, let adapted = pendingAdapted.removeValue(forKey: origin), let still = pendingFrozen.removeValue(forKey: origin) {
                let realised = log(closes[index] / closes[origin])
                let adaptedOutcome = ForecastOutcome(claim: adapted, realisedLogReturn: realised)
                adaptedScores.append(adaptedOutcome.logScore)
                frozenScores.append(ForecastOutcome(claim: still, realisedLogReturn: realised).logScore)
                madeAt.append(origin)
                if let shadow = pendingChallenger.removeValue(forKey: origin) {
                    shadowChampion.append(adaptedOutcome.logScore)
                    shadowChallenger.append(ForecastOutcome(claim: shadow, realisedLogReturn: realised).logScore)
                }
                if detector.update(adaptedOutcome.logScore) {
                    let start = challenger == nil
                    let recent = Self.logReturns(closes, through: index, count: Self.psiWindow)
                    let reference = Self.logReturns(closes, through: championTrainingEnd, count: Self.psiWindow)
                    let psi = PopulationStabilityIndex.index(expected: reference, actual: recent)
                    let shifted = FeatureDrift.stability(series: series, referenceEnd: championTrainingEnd, recentEnd: index, window: Self.psiWindow).first
                    detections.append(Detection(time: time, barsAfterStart: index - first, returnPSI: psi, mostShiftedFeature: shifted?.feature,
                                                mostShiftedFeaturePSI: shifted?.psi, challengerStarted: start))
                    if start {
                        var trainer = Forecaster(trainingWindow: challengerWindow)
                        if let garchWindow { trainer.garchWindow = garchWindow }
                        if let model = try? trainer.fit(series, at: time, horizons: [horizon]) {
                            challenger = (model, "challenger@\(time.iso8601)", time)
                            shadowChampion = []
                            shadowChallenger = []
                        }
                    }
                }
            }
            // 2. Judge a challenger with enough shadow pairs.
            if let current = challenger, shadowChampion.count >= shadowPairs {
                let verdict = rule.evaluate(championLosses: shadowChampion, challengerLosses: shadowChallenger, blockLength: steps)
                evaluations.append(Evaluation(fittedAt: current.fittedAt, decidedAt: time, verdict: verdict))
                if verdict.promote {
                    signals.append(LearningSignal(
                        kind: .adaptation, subject: "model \(current.name)", rule: rule.statement(shadowPairs: shadowPairs),
                        message: "\(current.name) replaces \(championName): \(verdict.reason)", evidence: verdict.evidence, time: time))
                    champion = current.model
                    championName = current.name
                    if firstPromotionBar == nil { firstPromotionBar = index }
                }
                challenger = nil
                pendingChallenger = [:]
                detector.reset()
            }
            // 3. Forecast from the bars closed by now.
            let visible = series.asOf(time)
            guard let adapted = try champion.forecast(visible).first, let still = try frozen.forecast(visible).first else { continue }
            pendingAdapted[index] = ForecastClaim(adapted)
            pendingFrozen[index] = ForecastClaim(still)
            if let current = challenger, let shadow = try current.model.forecast(visible).first { pendingChallenger[index] = ForecastClaim(shadow) }
        }
        let differences = zip(frozenScores, adaptedScores).map { $0 - $1 }
        let interval = BlockBootstrap(blockLength: steps, replications: rule.replications).meanInterval(differences.isEmpty ? [0] : differences)
        let after = firstPromotionBar.map { bar in madeAt.indices.filter { madeAt[$0] >= bar } } ?? []
        return Report(
            bars: series.count - first, scored: adaptedScores.count, detections: detections, evaluations: evaluations, signals: signals,
            adaptedScore: Self.mean(adaptedScores), frozenScore: Self.mean(frozenScores), improvement: interval,
            adaptedScoreAfterPromotion: after.isEmpty ? nil : Self.mean(after.map { adaptedScores[$0] }),
            frozenScoreAfterPromotion: after.isEmpty ? nil : Self.mean(after.map { frozenScores[$0] }))
    }

    /// Bar returns compared by the drift evidence's PSI (a month of hourly bars).
    public static let psiWindow = 720

    static func logReturns(_ closes: [Double], through end: Int, count: Int) -> [Double] {
        let start = max(1, end - count + 1)
        guard start <= end else { return [0] }
        return (start...end).map { log(closes[$0] / closes[$0 - 1]) }
    }

    static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    }
}

extension ForecastClaim {
    /// The claim of a forecast.
    public init(_ forecast: Forecast) {
        self.init(expectedLogReturn: forecast.expectedLogReturn, probabilityUp: forecast.probabilityUp, volatility: forecast.volatility,
                  intervalLow: forecast.intervalLow, intervalHigh: forecast.intervalHigh)
    }
}
