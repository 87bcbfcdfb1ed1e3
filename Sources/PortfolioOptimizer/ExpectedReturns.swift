import Foundation
import QuantMath

/// Expected annual returns from a return table (rows are periods, columns assets), with
/// PyPortfolioOpt's conventions: `frequency` periods per year (252 for daily data).
public enum ExpectedReturns {
    /// The methods requests and flags name: `cagr`, `mean` (arithmetic) and `ema` (span 500).
    public enum MethodName: String, Sendable, CaseIterable {
        case cagr, mean, ema

        /// The method with its default parameters.
        public var method: Method {
            switch self {
            case .cagr: .cagr
            case .mean: .arithmeticMean
            case .ema: .exponentiallyWeighted(span: 500)
            }
        }
    }

    /// How to estimate them.
    public enum Method: Sendable, Hashable {
        /// Compound annual growth rate: (∏(1 + rₜ))^(frequency/T) − 1 — PyPortfolioOpt's
        /// `mean_historical_return` default, and ours.
        case cagr
        /// Arithmetic mean × frequency (`mean_historical_return(compounding=False)`).
        case arithmeticMean
        /// Exponentially weighted mean of returns with a span (α = 2/(span+1), pandas `adjust=True`),
        /// compounded: (1 + ewm)^frequency − 1 (`ema_historical_return`).
        case exponentiallyWeighted(span: Double)
        /// CAPM: rf + βᵢ (E[market] − rf), with βᵢ = cov(rᵢ, m)/var(m), the market being the equal-weighted
        /// average return of the assets and E[market] its CAGR (`capm_return` without market prices).
        case capm(riskFreeRate: Double)
    }

    /// Annual expected returns, one per column.
    public static func estimate(_ returns: [[Double]], method: Method, frequency: Double = 252) -> [Double] {
        let assets = returns.first?.count ?? 0
        func column(_ index: Int) -> [Double] { returns.map { $0[index] } }
        switch method {
        case .cagr:
            return (0..<assets).map { compoundAnnual(column($0), frequency: frequency) }
        case .arithmeticMean:
            return (0..<assets).map { Statistics.mean(column($0)) * frequency }
        case .exponentiallyWeighted(let span):
            return (0..<assets).map { pow(1 + exponentialMean(column($0), span: span), frequency) - 1 }
        case .capm(let riskFreeRate):
            let market = returns.map { Statistics.mean($0) }
            let marketVariance = Statistics.variance(market, ddof: 1)
            let marketReturn = compoundAnnual(market, frequency: frequency)
            return (0..<assets).map { index in
                let beta = Statistics.covariance(column(index), market, ddof: 1) / marketVariance
                return riskFreeRate + beta * (marketReturn - riskFreeRate)
            }
        }
    }

    /// (∏(1 + rₜ))^(frequency/T) − 1.
    static func compoundAnnual(_ returns: [Double], frequency: Double) -> Double {
        let growth = returns.reduce(1.0) { $0 * (1 + $1) }
        return pow(growth, frequency / Double(returns.count)) - 1
    }

    /// pandas `Series.ewm(span=span).mean().iloc[-1]` with `adjust=True`: Σ wᵢ xᵢ / Σ wᵢ with
    /// wᵢ = (1 − α)^(T−1−i), α = 2/(span + 1).
    static func exponentialMean(_ values: [Double], span: Double) -> Double {
        let decay = 1 - 2 / (span + 1)
        var weight = 1.0, weightedSum = 0.0, weightTotal = 0.0
        for value in values.reversed() {
            weightedSum += weight * value
            weightTotal += weight
            weight *= decay
        }
        return weightedSum / weightTotal
    }
}
