import Foundation

/// The binomial distribution's upper tail, the p-value of "at least k successes in n trials".
public enum BinomialDistribution {
    /// ln P(X ≥ k) for X ~ Binomial(n, p): 0 for k ≤ 0, −∞ for k > n.
    ///
    /// Summed in log space from the smaller side, so a tail of 1e-300 keeps its digits: above the
    /// mean the terms from k up fall geometrically past the mode and the sum stops once they no
    /// longer move it; below, 1 − P(X ≤ k − 1) is summed the same way downwards.
    public static func logUpperTail(atLeast k: Int, trials n: Int, probability p: Double) -> Double {
        precondition(n >= 0 && p >= 0 && p <= 1, "a binomial needs n ≥ 0 and 0 ≤ p ≤ 1")
        if k <= 0 { return 0 }
        if k > n || p == 0 { return -.infinity }
        if p == 1 { return 0 }
        let logP = log(p), logQ = log1p(-p)
        func logMass(_ j: Int) -> Double {
            lgamma(Double(n + 1)) - lgamma(Double(j + 1)) - lgamma(Double(n - j + 1)) + Double(j) * logP + Double(n - j) * logQ
        }
        let odds = p / (1 - p)
        if Double(k) >= Double(n) * p {
            var relative = 1.0, sum = 1.0
            var j = k
            while j < n {
                relative *= Double(n - j) / Double(j + 1) * odds
                sum += relative
                if relative < sum * 1e-17 { break }
                j += 1
            }
            return logMass(k) + log(sum)
        }
        // Below the mean the upper tail is at least about one half: 1 − the lower tail loses nothing.
        var relative = 1.0, sum = 1.0
        var j = k - 1
        while j > 0 {
            relative *= Double(j) / Double(n - j + 1) / odds
            sum += relative
            if relative < sum * 1e-17 { break }
            j -= 1
        }
        let lower = exp(logMass(k - 1) + log(sum))
        return log1p(-min(lower, 1))
    }

    /// P(X ≥ k) for X ~ Binomial(n, p).
    public static func upperTail(atLeast k: Int, trials n: Int, probability p: Double) -> Double {
        exp(logUpperTail(atLeast: k, trials: n, probability: p))
    }
}
