import Foundation
import Prediction

/// The predictive alerts the loop keeps and scores: each a claim about the next `h` bars made from
/// a forecast at the close of bar t, with a model-free event that says afterwards whether the
/// claim came true, and the event's base rate over the bars before t (how often it happens
/// anyway), so a hit rate is judged against what no alert would have said.
///
/// The scale is the stream's recent volatility: σ_b(t) = √h × the root mean square of the 250
/// one-bar log returns ending at t (model-free, from the bars alone).
/// * `volatility_spike` (risk): the forecast's h-bar volatility ≥ 1.5 σ_b. Event: √h × the RMS of
///   the h one-bar returns after t ≥ 1.5 σ_b(t).
/// * `drawdown_risk` (risk): P(r_h ≤ −2 σ_b) ≥ 10 % under the forecast's Gaussian (about 2.3 % at
///   the recent scale). Event: the h-bar log return after t ≤ −2 σ_b(t).
/// * `regime_change` (risk): the market regime of the closes (BULL or BEAR: the sign of the 50-bar
///   log return, `MarketSignature`) is more likely than not to turn within the horizon under the
///   forecast's Gaussian: the 50-bar window at t+h holds the known return from bar t+h−50 to t and
///   the forecast r_h, so P(turn) = P(known + r_h ≤ 0) from BULL, P(known + r_h > 0) from BEAR.
///   Only for h < 50 bars (beyond, the window at t+h is not the forecast's to say). Event: the
///   regime at t+h differs from the regime at t.
/// * `opportunity`: the direction model (not its baseline) gives P(up) ≥ ½ + the edge threshold,
///   the expected log return exceeds the round-trip cost, and the market regime of the closes is
///   BULL. Event: the h-bar log return after t exceeds the cost (it paid after costs).
public enum PredictiveAlertRules {
    /// What an alert claims.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case volatilitySpike = "volatility_spike"
        case drawdownRisk = "drawdown_risk"
        case regimeChange = "regime_change"
        case opportunity

        /// Risk alerts warn; an opportunity informs.
        public var isRisk: Bool { self != .opportunity }
    }

    /// One-bar returns in the recent scale.
    public static let scaleBars = 250
    /// The volatility ratio of a spike.
    public static let spikeRatio = 1.5
    /// The loss, in units of the recent scale, of a drawdown.
    public static let drawdownScales = 2.0
    /// The probability of that loss that raises a drawdown alert.
    public static let drawdownProbability = 0.10
    /// The bars whose log return's sign is the market regime (`MarketSignature.trendBars`).
    public static let regimeBars = MarketSignature.trendBars
    /// The probability of a turn of the regime that raises a regime-change alert.
    public static let regimeChangeProbability = 0.5
    /// The round-trip cost an opportunity must beat (10 basis points, as the decision scoring).
    public static let cost = 0.001
    /// The smallest edge of P(up) over ½ an opportunity needs when no threshold is tuned.
    public static let minimumEdge = 0.05
    /// Origins of the base rate: the bars before the alert whose event is known by then.
    public static let baseRateBars = 2000

    /// A condition found at a forecast.
    public struct Condition: Sendable, Hashable {
        public let kind: Kind
        /// The recent scale σ_b(t).
        public let scale: Double
        /// The one-line explanation.
        public let message: String
    }

    /// The recent scale at bar `index` of `closes` for `h` bars, or nil with fewer than 250 returns.
    public static func scale(_ closes: [Double], at index: Int, bars h: Int) -> Double? {
        guard index >= scaleBars, index < closes.count else { return nil }
        var sum = 0.0
        for bar in (index - scaleBars + 1)...index {
            let r = log(closes[bar] / closes[bar - 1])
            sum += r * r
        }
        return (sum / Double(scaleBars)).squareRoot() * Double(h).squareRoot()
    }

    /// The conditions a forecast made at bar `index` (its data time) raises.
    public static func conditions(closes: [Double], at index: Int, bars h: Int, expectedLogReturn mu: Double, volatility sigma: Double,
                                  probabilityUp: Double, directionFromModel: Bool, edgeThreshold: Double) -> [Condition] {
        guard let scale = scale(closes, at: index, bars: h), scale > 0, sigma > 0 else { return [] }
        var found: [Condition] = []
        if sigma >= spikeRatio * scale {
            found.append(Condition(kind: .volatilitySpike, scale: scale,
                                   message: String(format: "forecast volatility %.4f is %.1f× the recent %.4f over the horizon", sigma, sigma / scale, scale)))
        }
        let lossProbability = 0.5 * erfc(-((-drawdownScales * scale - mu) / sigma) / 2.0.squareRoot())
        if lossProbability >= drawdownProbability {
            found.append(Condition(kind: .drawdownRisk, scale: scale,
                                   message: String(format: "%.0f %% probability of a log return below %.4f (twice the recent scale) over the horizon", lossProbability * 100, -drawdownScales * scale)))
        }
        if h < regimeBars, index >= regimeBars {
            let bull = log(closes[index] / closes[index - regimeBars]) > 0
            let known = log(closes[index] / closes[index + h - regimeBars])
            let below = 0.5 * erfc(-((-known - mu) / sigma) / 2.0.squareRoot())
            let turn = bull ? below : 1 - below
            if turn >= regimeChangeProbability {
                found.append(Condition(kind: .regimeChange, scale: scale,
                                       message: String(format: "%.0f %% probability that the %d-bar trend turns %@ over the horizon (%+.4f of it known, expected %+.4f)",
                                                       turn * 100, regimeBars, bull ? "from BULL to BEAR" : "from BEAR to BULL", known, mu)))
            }
        }
        let edge = max(edgeThreshold, minimumEdge)
        if directionFromModel, probabilityUp >= 0.5 + edge, mu > cost,
           MarketSignature(closes: closes[...index]).regime == "BULL" {
            found.append(Condition(kind: .opportunity, scale: scale,
                                   message: String(format: "P(up) %.2f (edge %.2f), expected log return %+.4f against %.4f of cost, volatility %.4f, in a BULL market",
                                                   probabilityUp, edge, mu, cost, sigma)))
        }
        return found
    }

    /// Whether the event of `kind` happened over the `h` bars after bar `index` (nil while they are not all closed).
    public static func happened(_ kind: Kind, closes: [Double], at index: Int, bars h: Int, scale: Double) -> Bool? {
        guard index >= 1, index + h < closes.count else { return nil }
        let r = log(closes[index + h] / closes[index])
        switch kind {
        case .volatilitySpike:
            var sum = 0.0
            for bar in (index + 1)...(index + h) {
                let one = log(closes[bar] / closes[bar - 1])
                sum += one * one
            }
            return (sum / Double(h)).squareRoot() * Double(h).squareRoot() >= spikeRatio * scale
        case .drawdownRisk:
            return r <= -drawdownScales * scale
        case .regimeChange:
            guard index >= regimeBars else { return nil }
            return (log(closes[index + h] / closes[index + h - regimeBars]) > 0) != (log(closes[index] / closes[index - regimeBars]) > 0)
        case .opportunity:
            return r > cost
        }
    }

    /// How often the event of `kind` happened anyway: the share of the origins before bar `index`
    /// whose h bars had closed by it (up to `baseRateBars` of them), each at its own recent scale;
    /// nil when there are none. Computed from running sums of the one-bar returns and their
    /// squares, so it costs one pass over the bars, not one per origin.
    public static func baseRate(_ kind: Kind, closes: [Double], before index: Int, bars h: Int) -> (rate: Double, origins: Int)? {
        let last = index - h
        let first = max(scaleBars, last - baseRateBars + 1)
        guard last >= first, index < closes.count else { return nil }
        // sums[i], squares[i]: the one-bar log returns of bars (first − scaleBars, i], summed and squared.
        let start = first - scaleBars
        var sums = [Double](repeating: 0, count: index - start + 1), squares = sums
        for bar in (start + 1)...index {
            let r = log(closes[bar] / closes[bar - 1])
            sums[bar - start] = sums[bar - start - 1] + r
            squares[bar - start] = squares[bar - start - 1] + r * r
        }
        var hits = 0
        // origin + h ≤ index: nothing after the alert's bar is read.
        for origin in first...last {
            let o = origin - start
            let scale = (max(0, squares[o] - squares[o - scaleBars]) / Double(scaleBars)).squareRoot() * Double(h).squareRoot()
            let move = sums[o + h] - sums[o]
            let happened = switch kind {
            case .volatilitySpike: (max(0, squares[o + h] - squares[o]) / Double(h)).squareRoot() * Double(h).squareRoot() >= spikeRatio * scale
            case .drawdownRisk: move <= -drawdownScales * scale
            case .regimeChange: (sums[o + h] - sums[o + h - regimeBars] > 0) != (sums[o] - sums[o - regimeBars] > 0)
            case .opportunity: move > cost
            }
            if happened { hits += 1 }
        }
        let origins = last - first + 1
        return (Double(hits) / Double(origins), origins)
    }
}
