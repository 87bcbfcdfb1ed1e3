import Foundation
import PortfolioOptimizer
import Prediction

/// The portfolio module's strategy that suits the market's regimes, the regime to give it, and
/// why: BALANCED in high volatility, MOMENTUM (trending) or AGGRESSIVE in a bull trend,
/// CONSERVATIVE in a bear trend, MEAN_REVERSION sideways. The HMM is not used.
public struct StrategyRecommendation: Sendable, Hashable {
    /// The strategy.
    public let strategy: AllocationStrategy
    /// The market regime it is given.
    public let regime: MarketRegime
    /// Why, with the statistics behind it.
    public let reason: String

    /// The recommendation for a classification.
    public init(_ regimes: RegimeDetector.Classification) {
        if regimes.volatility.label == .high {
            (strategy, regime, reason) = (.balanced, .volatile,
                                          "volatility is in its top third; equal risk contributions keep any one asset from dominating the risk")
            return
        }
        switch regimes.trend.label {
        case .bull:
            (strategy, regime, reason) = regimes.trendOrRange.label == .trend
                ? (.momentum, .bull, String(format: "a rising trend (t = %.1f) with ADX %.0f: recent winners tend to persist", regimes.trend.statistic, regimes.trendOrRange.statistic))
                : (.aggressive, .bull, String(format: "a rising trend (t = %.1f) without a strong directional ADX: maximise the Sharpe ratio", regimes.trend.statistic))
        case .bear:
            (strategy, regime, reason) = (.conservative, .bear, String(format: "a falling trend (t = %.1f): minimise volatility and keep more cash", regimes.trend.statistic))
        case .sideways:
            (strategy, regime, reason) = (.meanReversion, .sideways, String(format: "no significant trend (t = %.1f) and ADX %.0f: fade recent moves", regimes.trend.statistic, regimes.trendOrRange.statistic))
        }
    }

    /// The recommendation for a full report.
    public init(_ report: RegimeDetector.Report) {
        self.init(report.classification)
    }
}
