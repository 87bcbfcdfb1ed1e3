import FeedbackLoop
import Foundation
import Testing

@Suite("Predictive alert rules: conditions at a forecast, events after it, base rates before it")
struct PredictiveAlertRulesTests {
    /// Closes whose one-bar log returns alternate +r and −r (root mean square r), `count` of them.
    static func zigzag(_ r: Double, count: Int) -> [Double] {
        var closes = [100.0]
        for index in 0..<count { closes.append(closes.last! * exp(index % 2 == 0 ? r : -r)) }
        return closes
    }

    @Test("the recent scale is √h × the RMS of the 250 one-bar returns ending at the bar; fewer than 250 give none")
    func scale() throws {
        let closes = Self.zigzag(0.01, count: 400)
        let scale = try #require(PredictiveAlertRules.scale(closes, at: 300, bars: 4))
        #expect(abs(scale - 0.02) < 1e-12)
        #expect(PredictiveAlertRules.scale(closes, at: 249, bars: 4) == nil)
    }

    @Test("each condition holds on its side of its threshold and not on the other", arguments: [
        // (kind, forecast volatility in units of the scale, expected return, P(up), from the model, holds)
        (PredictiveAlertRules.Kind.volatilitySpike, 1.51, 0.0, 0.5, false, true),
        (.volatilitySpike, 1.49, 0.0, 0.5, false, false),
        // P(r ≤ −2 scale) = Φ(−2 scale / σ) is 10 % at σ = 2 scale / 1.2815515655446004 (scipy.stats.norm.ppf(0.9)).
        (.drawdownRisk, 2 / 1.2815515655446004 * 1.01, 0.0, 0.5, false, true),
        (.drawdownRisk, 2 / 1.2815515655446004 * 0.99, 0.0, 0.5, false, false),
    ])
    func riskConditions(kind: PredictiveAlertRules.Kind, volatility: Double, mu: Double, probabilityUp: Double, model: Bool, holds: Bool) throws {
        let closes = Self.zigzag(0.01, count: 400)
        let scale = try #require(PredictiveAlertRules.scale(closes, at: 300, bars: 4))
        let found = PredictiveAlertRules.conditions(closes: closes, at: 300, bars: 4, expectedLogReturn: mu, volatility: volatility * scale,
                                                    probabilityUp: probabilityUp, directionFromModel: model, edgeThreshold: 0)
        #expect(found.contains { $0.kind == kind } == holds)
    }

    @Test("an opportunity needs the direction model's edge, a return above the cost and a BULL market", arguments: [
        (0.56, 0.002, true, true, true),
        (0.54, 0.002, true, true, false),   // edge below the 0.05 minimum
        (0.56, 0.0005, true, true, false),  // expected return below the 10 bp cost
        (0.56, 0.002, false, true, false),  // P(up) from the climatological baseline
        (0.56, 0.002, true, false, false),  // a BEAR market
    ])
    func opportunity(probabilityUp: Double, mu: Double, model: Bool, bull: Bool, holds: Bool) {
        // A rising (or falling) market with small alternating moves: the regime of its closes is BULL (BEAR).
        var closes = [100.0]
        for index in 0..<400 { closes.append(closes.last! * exp((index % 2 == 0 ? 0.01 : -0.01) + (bull ? 0.001 : -0.001))) }
        let found = PredictiveAlertRules.conditions(closes: closes, at: 399, bars: 4, expectedLogReturn: mu, volatility: 0.001,
                                                    probabilityUp: probabilityUp, directionFromModel: model, edgeThreshold: 0)
        #expect(found.contains { $0.kind == .opportunity } == holds)
    }

    /// A market trending by `drift` a bar under alternating ±1 % moves: BULL for a positive drift.
    static func trending(_ drift: Double, count: Int = 400) -> [Double] {
        var closes = [100.0]
        for index in 0..<count { closes.append(closes.last! * exp((index % 2 == 0 ? 0.01 : -0.01) + drift)) }
        return closes
    }

    @Test("a regime change is raised when a turn of the 50-bar trend is more likely than not within the horizon, from either side", arguments: [
        // (drift a bar, expected 4-bar return, holds). The 46 bars of the window at t+4 already closed return ±0.046: the turn
        // is at r_4 = ∓0.046, and σ = 0.01 puts it 0.1 σ from the mean.
        (0.001, -0.047, true), (0.001, -0.045, false), (-0.001, 0.047, true), (-0.001, 0.045, false),
    ])
    func regimeChange(drift: Double, mu: Double, holds: Bool) {
        let closes = Self.trending(drift)
        let found = PredictiveAlertRules.conditions(closes: closes, at: 399, bars: 4, expectedLogReturn: mu, volatility: 0.01,
                                                    probabilityUp: 0.5, directionFromModel: false, edgeThreshold: 0)
        #expect(found.contains { $0.kind == .regimeChange } == holds)
        if holds { #expect(found.first { $0.kind == .regimeChange }?.message.contains(drift > 0 ? "from BULL to BEAR" : "from BEAR to BULL") == true) }
    }

    @Test("no regime change is claimed for a horizon of 50 bars or more: the window at its end is not the forecast's to say")
    func regimeChangeNeedsAShortHorizon() {
        let found = PredictiveAlertRules.conditions(closes: Self.trending(0.001), at: 399, bars: 50, expectedLogReturn: -1, volatility: 0.01,
                                                    probabilityUp: 0.5, directionFromModel: false, edgeThreshold: 0)
        #expect(!found.contains { $0.kind == .regimeChange })
    }

    @Test("a regime change happened when the 50-bar trend's sign at t + h differs from its sign at t")
    func regimeChangeEvent() {
        var closes = Self.trending(0.001)
        #expect(PredictiveAlertRules.happened(.regimeChange, closes: closes, at: 395, bars: 4, scale: 0.01) == false)
        // A 10 % fall in the four bars after bar 396: the window ending at bar 400 returns about 0.046 − 0.1 < 0.
        closes = Array(closes.prefix(397))
        for _ in 0..<4 { closes.append(closes.last! * exp(-0.025)) }
        #expect(PredictiveAlertRules.happened(.regimeChange, closes: closes, at: 396, bars: 4, scale: 0.01) == true)
        #expect(PredictiveAlertRules.happened(.regimeChange, closes: closes, at: 30, bars: 4, scale: 0.01) == nil, "no 50-bar trend yet")
    }

    @Test("an event is judged on the h bars after the claim only, and not before they have all closed")
    func events() {
        var closes = Self.zigzag(0.01, count: 300)
        // Four bars after bar 300: −3 %, then three flat bars.
        closes += [closes[300] * exp(-0.03), closes[300] * exp(-0.03), closes[300] * exp(-0.03)]
        #expect(PredictiveAlertRules.happened(.drawdownRisk, closes: closes, at: 300, bars: 4, scale: 0.02) == nil, "the fourth bar has not closed")
        closes.append(closes[300] * exp(-0.03))
        #expect(PredictiveAlertRules.happened(.drawdownRisk, closes: closes, at: 300, bars: 4, scale: 0.01) == true, "−3 % ≤ −2 × 1 %")
        #expect(PredictiveAlertRules.happened(.drawdownRisk, closes: closes, at: 300, bars: 4, scale: 0.02) == false, "−3 % > −2 × 2 %")
        // RMS of (−0.03, 0, 0, 0) × √4 = 0.03: a spike against a scale of 0.019, not of 0.021.
        #expect(PredictiveAlertRules.happened(.volatilitySpike, closes: closes, at: 300, bars: 4, scale: 0.019) == true)
        #expect(PredictiveAlertRules.happened(.volatilitySpike, closes: closes, at: 300, bars: 4, scale: 0.021) == false)
        #expect(PredictiveAlertRules.happened(.opportunity, closes: closes, at: 300, bars: 4, scale: 0.01) == false)
    }

    @Test("the base rate counts the event over the origins whose h bars closed by the claim, each at its own scale")
    func baseRate() throws {
        // Alternating ±1 %: every 4-bar return is 0, never a drawdown of 2 scales, never above the cost; every 4-bar RMS equals
        // the scale, never 1.5 × it.
        let closes = Self.zigzag(0.01, count: 1000)
        // (Not the regime: a 50-bar return of exactly zero has the sign of its rounding.)
        for kind in PredictiveAlertRules.Kind.allCases where kind != .regimeChange {
            let rate = try #require(PredictiveAlertRules.baseRate(kind, closes: closes, before: 900, bars: 4))
            #expect(rate.rate == 0 && rate.origins == 900 - 4 - 250 + 1)
        }
        // Origins up to the claim's bar − h only: the same rate whatever follows the claim.
        var spiky = closes
        for index in 901..<spiky.count { spiky[index] = spiky[index - 1] * exp(index % 2 == 0 ? 0.2 : -0.2) }
        #expect(PredictiveAlertRules.baseRate(.volatilitySpike, closes: spiky, before: 900, bars: 4)?.rate == 0)
        #expect(PredictiveAlertRules.baseRate(.volatilitySpike, closes: closes, before: 200, bars: 4) == nil, "no origin with a scale yet")
    }

    @Test("the base rate from running sums counts what the definitions count, origin by origin", arguments: PredictiveAlertRules.Kind.allCases)
    func baseRateMatchesTheDefinition(kind: PredictiveAlertRules.Kind) throws {
        // A seeded random walk with volatility that changes by regime, 3,000 bars.
        var state: UInt64 = 42
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var closes = [100.0]
        for bar in 0..<3000 { closes.append(closes.last! * exp((uniform() - 0.495) * (bar / 500 % 2 == 0 ? 0.02 : 0.06))) }
        let index = 2900, h = 4
        var hits = 0, origins = 0
        for origin in max(250, index - h - 1999)...(index - h) {
            let scale = try #require(PredictiveAlertRules.scale(closes, at: origin, bars: h))
            origins += 1
            let happened = PredictiveAlertRules.happened(kind, closes: closes, at: origin, bars: h, scale: scale)
            #expect(happened != nil)
            if happened == true { hits += 1 }
        }
        let rate = try #require(PredictiveAlertRules.baseRate(kind, closes: closes, before: index, bars: h))
        #expect(rate.origins == origins)
        // Sums in another order may move an origin sitting exactly on a threshold: at most one.
        #expect(abs(rate.rate - Double(hits) / Double(origins)) <= 1.0 / Double(origins), "\(rate.rate) against \(hits) of \(origins)")
        #expect(hits > 0 || kind == .drawdownRisk, "the walk has events to count")
    }
}
