import Foundation
import QuantMath

/// A hidden Markov model with one-dimensional Gaussian emissions, fitted by Baum-Welch (EM) in log
/// space (forward-backward with log-sum-exp, so long series never underflow), from several seeded
/// starts; the start with the highest log-likelihood is kept. States are reported sorted by mean.
///
/// log-likelihood: log p(x₁…x_T) = log Σ_k α_T(k) under the fitted start probabilities, the same
/// quantity as hmmlearn's `score`. Variances are floored at 1e-6 × the sample variance so a state
/// cannot collapse onto one observation.
public struct GaussianHMM: Sendable, Codable {
    /// State means, ascending.
    public let means: [Double]
    /// State variances.
    public let variances: [Double]
    /// Transition matrix, row = from, column = to.
    public let transitions: [[Double]]
    /// Start probabilities.
    public let start: [Double]

    /// The number of states.
    public var stateCount: Int { means.count }

    /// A fit: the model, its log-likelihood, the posterior of each state at the last observation,
    /// and every start's log-likelihood.
    public struct Fit: Sendable {
        public let model: GaussianHMM
        public let logLikelihood: Double
        public let lastPosterior: [Double]
        public let restartLogLikelihoods: [Double]
        public let iterations: Int
        /// The most probable state (sorted index) of every observation, from the smoothed posteriors.
        public let statePath: [Int]
    }

    /// Fits `states` (2 or 3) to `x` with `restarts` seeded starts.
    public static func fit(_ x: [Double], states: Int, restarts: Int = 10, seed: UInt64 = 1,
                           maximumIterations: Int = 1000, tolerance: Double = 1e-8) throws(PredictionError) -> Fit {
        guard (2...3).contains(states) else { throw .invalidParameter("the HMM takes 2 or 3 states, got \(states)") }
        guard x.count >= 50 * states else { throw .insufficientData(needed: 50 * states, available: x.count, purpose: "a \(states)-state HMM fit") }
        guard x.allSatisfy(\.isFinite) else { throw .invalidParameter("HMM input contains a non-finite value") }
        let variance = Statistics.variance(x, ddof: 0)
        guard variance > 0 else { throw .constantSeries("the returns never change, so no states can be told apart") }
        let sorted = x.sorted()
        var generator = SeededGenerator(seed: seed)
        var best: (model: GaussianHMM, logLikelihood: Double, posterior: [Double], iterations: Int, path: [Int])?
        var all: [Double] = []
        for _ in 0..<max(1, restarts) {
            // Means spread over the quantiles with jitter, variances scaled randomly, sticky transitions.
            let means = (0..<states).map { k in
                Statistics.quantile(sorted: sorted, min(max((Double(k) + 0.2 + 0.6 * generator.nextUniform()) / Double(states), 0), 1))
            }
            let variances = (0..<states).map { _ in variance * (0.3 + 1.4 * generator.nextUniform()) }
            let stay = 0.8 + 0.19 * generator.nextUniform()
            let transitions = (0..<states).map { from in (0..<states).map { to in from == to ? stay : (1 - stay) / Double(states - 1) } }
            var model = GaussianHMM(means: means, variances: variances, transitions: transitions,
                                    start: [Double](repeating: 1 / Double(states), count: states))
            var previous = -Double.infinity
            var iterations = 0
            var pass = model.expectation(x)
            while iterations < maximumIterations {
                model = model.maximisation(x, pass: pass, varianceFloor: 1e-6 * variance)
                iterations += 1
                pass = model.expectation(x)
                if abs(pass.logLikelihood - previous) <= tolerance * max(1, abs(pass.logLikelihood)) { break }
                previous = pass.logLikelihood
            }
            all.append(pass.logLikelihood)
            if pass.logLikelihood.isFinite && (best == nil || pass.logLikelihood > best!.logLikelihood) {
                let path = (0..<x.count).map { t in (0..<states).max { pass.posterior[t * states + $0] < pass.posterior[t * states + $1] }! }
                best = (model, pass.logLikelihood, pass.lastPosterior, iterations, path)
            }
        }
        guard let best else { throw .notConverged("no HMM start reached a finite likelihood") }
        let order = best.model.means.indices.sorted { best.model.means[$0] < best.model.means[$1] }
        let sortedModel = GaussianHMM(means: order.map { best.model.means[$0] }, variances: order.map { best.model.variances[$0] },
                                      transitions: order.map { from in order.map { best.model.transitions[from][$0] } },
                                      start: order.map { best.model.start[$0] })
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        return Fit(model: sortedModel, logLikelihood: best.logLikelihood, lastPosterior: order.map { best.posterior[$0] },
                   restartLogLikelihoods: all, iterations: best.iterations, statePath: best.path.map { rank[$0]! })
    }

    /// The quantities one E-step produces.
    struct Expectation {
        let logLikelihood: Double
        /// γₜ(k), flattened t·K + k.
        let posterior: [Double]
        /// Σₜ ξₜ(j, k), flattened j·K + k.
        let transitionCounts: [Double]
        let lastPosterior: [Double]
    }

    /// log N(x | μₖ, σ²ₖ).
    private func logDensity(_ value: Double, _ state: Int) -> Double {
        let deviation = value - means[state]
        return -0.5 * (log(2 * Double.pi * variances[state]) + deviation * deviation / variances[state])
    }

    private static func logSumExp(_ values: UnsafeBufferPointer<Double>) -> Double {
        let top = values.max() ?? -.infinity
        guard top.isFinite else { return top }
        var sum = 0.0
        for value in values { sum += exp(value - top) }
        return top + log(sum)
    }

    /// Forward-backward in log space.
    func expectation(_ x: [Double]) -> Expectation {
        let count = x.count, states = stateCount
        let logTransitions = transitions.map { $0.map { log($0) } }
        var logEmission = [Double](repeating: 0, count: count * states)
        for t in 0..<count { for k in 0..<states { logEmission[t * states + k] = logDensity(x[t], k) } }
        var forward = [Double](repeating: 0, count: count * states)
        var backward = [Double](repeating: 0, count: count * states)
        var work = [Double](repeating: 0, count: states)
        for k in 0..<states { forward[k] = log(start[k]) + logEmission[k] }
        for t in 1..<count {
            for k in 0..<states {
                for j in 0..<states { work[j] = forward[(t - 1) * states + j] + logTransitions[j][k] }
                forward[t * states + k] = work.withUnsafeBufferPointer(Self.logSumExp) + logEmission[t * states + k]
            }
        }
        for t in stride(from: count - 2, through: 0, by: -1) {
            for j in 0..<states {
                for k in 0..<states { work[k] = logTransitions[j][k] + logEmission[(t + 1) * states + k] + backward[(t + 1) * states + k] }
                backward[t * states + j] = work.withUnsafeBufferPointer(Self.logSumExp)
            }
        }
        let logLikelihood = Array(forward[((count - 1) * states)...]).withUnsafeBufferPointer(Self.logSumExp)
        var posterior = [Double](repeating: 0, count: count * states)
        for index in 0..<(count * states) { posterior[index] = exp(forward[index] + backward[index] - logLikelihood) }
        var transitionCounts = [Double](repeating: 0, count: states * states)
        for t in 0..<(count - 1) {
            for j in 0..<states {
                for k in 0..<states {
                    transitionCounts[j * states + k] += exp(forward[t * states + j] + logTransitions[j][k]
                        + logEmission[(t + 1) * states + k] + backward[(t + 1) * states + k] - logLikelihood)
                }
            }
        }
        return Expectation(logLikelihood: logLikelihood, posterior: posterior, transitionCounts: transitionCounts,
                           lastPosterior: Array(posterior[((count - 1) * states)...]))
    }

    /// The M-step: weighted means and variances, normalised transition counts and first posterior.
    private func maximisation(_ x: [Double], pass: Expectation, varianceFloor: Double) -> GaussianHMM {
        let states = stateCount, count = x.count
        var weights = [Double](repeating: 0, count: states), sums = weights, squares = weights
        for t in 0..<count {
            for k in 0..<states {
                let gamma = pass.posterior[t * states + k]
                weights[k] += gamma
                sums[k] += gamma * x[t]
            }
        }
        let newMeans = (0..<states).map { weights[$0] > 0 ? sums[$0] / weights[$0] : means[$0] }
        for t in 0..<count {
            for k in 0..<states {
                let deviation = x[t] - newMeans[k]
                squares[k] += pass.posterior[t * states + k] * deviation * deviation
            }
        }
        let newVariances = (0..<states).map { weights[$0] > 0 ? max(squares[$0] / weights[$0], varianceFloor) : variances[$0] }
        let newTransitions = (0..<states).map { from -> [Double] in
            let row = (0..<states).map { pass.transitionCounts[from * states + $0] }
            let total = row.reduce(0, +)
            return total > 0 ? row.map { max($0 / total, 1e-300) } : transitions[from]
        }
        let newStart = (0..<states).map { max(pass.posterior[$0], 1e-300) }
        return GaussianHMM(means: newMeans, variances: newVariances, transitions: newTransitions, start: newStart)
    }
}
