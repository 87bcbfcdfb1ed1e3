import Foundation
import QuantMath

/// Turns a strategy, a risk level and (for TACTICAL) a market regime into weights of equity,
/// cash included. The formulas are in docs/portfolio.md; in short:
///
/// 1. The strategy picks an objective and the expected returns it sees (momentum and mean-reversion
///    tilts replace or adjust μ). Covariance is the Ledoit-Wolf estimate, which stays well
///    conditioned for many assets.
/// 2. The risky sleeve is optimised fully invested, with each asset capped at
///    maxWeight / (1 − cashFloor) of the sleeve so that the cap holds on equity.
/// 3. The sleeve is scaled to 1 − cashFloor of equity, and scaled down further (more cash) when
///    its volatility would break the level's volatility cap: s = min(1 − c, V / σ_sleeve).
public struct StrategyAllocator: Sendable {
    /// The price history the estimates come from (only data up to its last date is used).
    public let history: PriceHistory
    /// Periods per year (252 for daily prices).
    public var frequency: Double
    /// Per-period risk-free rate used by the Sharpe-based strategies, annual.
    public var riskFreeRate: Double

    /// Prices needed for MOMENTUM: 252 returns back plus the current price.
    public static let momentumLookback = 252
    /// The most recent returns MOMENTUM skips (the short-term reversal month).
    public static let momentumSkip = 21
    /// The window of the MEAN_REVERSION signal.
    public static let reversionWindow = 21
    /// The strength κ of the MEAN_REVERSION tilt: μ′ᵢ = μᵢ − κ·σᵢ·zᵢ.
    public static let reversionStrength = 0.5

    /// How expected returns are annualised: compounded (CAGR, PyPortfolioOpt's default) or, for
    /// short bars whose compounding over a year would overflow, the arithmetic mean × `frequency`.
    public var returnsMethod: ExpectedReturns.Method = .cagr

    /// Creates an allocator over a price history.
    public init(history: PriceHistory, frequency: Double = 252, riskFreeRate: Double = 0.02) {
        self.history = history
        self.frequency = frequency
        self.riskFreeRate = riskFreeRate
    }

    /// Allocates for a strategy and risk level; TACTICAL needs a regime.
    public func allocate(_ strategy: AllocationStrategy, riskLevel: RiskLevel, regime: MarketRegime? = nil) throws(PortfolioError) -> AllocationOutcome {
        var notes = ["strategy \(strategy.rawValue) at risk level \(riskLevel.rawValue)"]
        var effective = strategy
        var cashFloor = riskLevel.cashFloor
        var volatilityCap = riskLevel.volatilityCap
        if strategy == .tactical {
            guard let regime else { throw .invalidParameter("TACTICAL needs a market regime: one of \(MarketRegime.allCases.map(\.rawValue).joined(separator: ", "))") }
            switch regime {
            case .bull: effective = .aggressive
            case .bear:
                effective = .conservative
                cashFloor = min(cashFloor + 0.20, 1)
            case .sideways: effective = .meanReversion
            case .volatile:
                effective = .balanced
                volatilityCap = (volatilityCap ?? 0.30) / 2
            }
            notes.append("regime \(regime.rawValue) → \(effective.rawValue), cash floor \(cashFloor), volatility cap \(volatilityCap.map { "\($0)" } ?? "none")")
        }
        guard cashFloor < 1 else { throw .invalidParameter("the cash floor leaves nothing to invest") }

        let returns = history.simpleReturns
        let covariance = CovarianceEstimator.estimate(returns, method: .ledoitWolf, frequency: frequency)
        var expected = ExpectedReturns.estimate(returns, method: returnsMethod, frequency: frequency)
        let sleeveCap = min(riskLevel.maximumWeight / (1 - cashFloor), 1)
        let n = history.assetCount
        // Too few assets for the level's max weight: every asset at the cap, the rest in cash (the
        // only allocation the constraints allow), then the volatility cap as usual.
        let capped = Double(n) * sleeveCap < 1 - 1e-12
        let objective: PortfolioObjective
        let objectiveName: String
        switch effective {
        case .conservative: (objective, objectiveName) = (.minimumVolatility, "min-volatility")
        case .balanced: (objective, objectiveName) = (.riskParity(budgets: nil), "risk-parity")
        case .aggressive, .tactical: (objective, objectiveName) = (.maximumSharpe(riskFreeRate: riskFreeRate), "max-sharpe")
        case .momentum:
            expected = try momentumReturns()
            notes.append("expected returns: 12-1 month momentum P(t−\(Self.momentumSkip))/P(t−\(Self.momentumLookback)) − 1, annualised")
            (objective, objectiveName) = (.maximumSharpe(riskFreeRate: riskFreeRate), "max-sharpe")
        case .meanReversion:
            expected = try reversionTilted(expected, covariance: covariance)
            notes.append("expected returns: CAGR − \(Self.reversionStrength)·σ·z of the last \(Self.reversionWindow) returns")
            (objective, objectiveName) = (.maximumSharpe(riskFreeRate: riskFreeRate), "max-sharpe")
        }
        let optimizer = try PortfolioOptimizer(expectedReturns: expected, covariance: covariance)
        var sleeve: [Double]
        if capped {
            sleeve = [Double](repeating: sleeveCap, count: n)
            notes.append("\(n) assets at the level's max weight \(riskLevel.maximumWeight) leave the rest in cash; \(objectiveName) had no choice to make")
        } else if objective.honoursConstraints {
            sleeve = try optimizer.optimize(objective, constraints: PortfolioConstraints(assetCount: n, maximumWeight: sleeveCap),
                                            riskFreeRate: riskFreeRate).weights
        } else {
            sleeve = Self.capped(try optimizer.optimize(objective, constraints: PortfolioConstraints(assetCount: n)).weights, at: sleeveCap)
            if sleeve.contains(where: { $0 >= sleeveCap - 1e-12 }) { notes.append("risk-parity weights capped at \(sleeveCap) of the sleeve and the excess spread pro rata") }
        }
        sleeve = sleeve.map { abs($0) < 1e-12 ? 0 : $0 }
        let sleeveVolatility = max(covariance.quadraticForm(sleeve), 0).squareRoot()
        var invested = 1 - cashFloor
        if let volatilityCap, sleeveVolatility * invested > volatilityCap {
            invested = volatilityCap / sleeveVolatility
            notes.append("invested \(invested) (not \(1 - cashFloor)) so that volatility stays at the cap \(volatilityCap)")
        }
        let weights = sleeve.map { $0 * invested }
        // Solver noise of 1e-13 around a fully invested sleeve is not cash.
        let residual = 1 - weights.reduce(0, +)
        let cashWeight = residual < 1e-9 ? 0 : residual
        let expectedReturn = Vector.dot(optimizer.expectedReturns, weights) + cashWeight * riskFreeRate
        let volatility = sleeveVolatility * invested
        return AllocationOutcome(symbols: history.symbols, weights: weights, cashWeight: cashWeight, objective: objectiveName, expectedReturn: expectedReturn,
                      volatility: volatility, sharpe: volatility > 0 ? (expectedReturn - riskFreeRate) / volatility : .nan, notes: notes)
    }

    /// 12-1 momentum per asset, annualised: (P(t−21)/P(t−252))^(frequency/231) − 1.
    private func momentumReturns() throws(PortfolioError) -> [Double] {
        let prices = history.prices
        guard prices.count > Self.momentumLookback else {
            throw .insufficientData("MOMENTUM needs \(Self.momentumLookback + 1) prices, the window has \(prices.count)")
        }
        let last = prices.count - 1
        let span = Double(Self.momentumLookback - Self.momentumSkip)
        return (0..<history.assetCount).map { asset in
            pow(prices[last - Self.momentumSkip][asset] / prices[last - Self.momentumLookback][asset], frequency / span) - 1
        }
    }

    /// μ′ᵢ = μᵢ − κ·σᵢ·zᵢ, zᵢ the cross-sectional z-score (ddof 1) of the last 21-return move.
    private func reversionTilted(_ expected: [Double], covariance: Matrix) throws(PortfolioError) -> [Double] {
        let prices = history.prices
        guard prices.count > Self.reversionWindow else {
            throw .insufficientData("MEAN_REVERSION needs \(Self.reversionWindow + 1) prices, the window has \(prices.count)")
        }
        let last = prices.count - 1
        let moves = (0..<history.assetCount).map { prices[last][$0] / prices[last - Self.reversionWindow][$0] - 1 }
        let mean = Statistics.mean(moves), deviation = Statistics.standardDeviation(moves)
        guard deviation > 0 else { return expected }
        return expected.indices.map { expected[$0] - Self.reversionStrength * covariance[$0, $0].squareRoot() * (moves[$0] - mean) / deviation }
    }

    /// Caps weights at `cap` and spreads the excess pro rata over the uncapped ones, repeatedly.
    static func capped(_ weights: [Double], at cap: Double) -> [Double] {
        var result = weights
        for _ in 0..<weights.count {
            let excess = result.reduce(0) { $0 + max($1 - cap, 0) }
            guard excess > 1e-15 else { break }
            let free = result.indices.filter { result[$0] < cap }
            let freeTotal = free.reduce(0) { $0 + result[$1] }
            result = result.map { min($0, cap) }
            for index in free { result[index] += excess * result[index] / freeTotal }
        }
        return result
    }
}
