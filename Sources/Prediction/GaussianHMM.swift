import Foundation
import QuantMath

/// A hidden Markov model with one-dimensional Gaussian emissions, fitted by Baum-Welch (EM) from
/// several seeded starts. Emission densities are formed from their logarithms and the
/// forward-backward recursions are scaled at every step, so long series never underflow (see
/// `expectation`). Every start runs 10 EM steps; the three with the highest likelihood then run to
/// convergence (relative change below 1e-10) and the best is kept. States are sorted by mean.
///
/// log-likelihood: log p(x₁…x_T) under the fitted start probabilities, the same quantity as
/// hmmlearn's `score`. Variances are floored at 1e-6 × the sample variance so a state cannot
/// collapse onto one observation.
public struct GaussianHMM: Sendable, Codable {
    /// EM steps every start runs before the best three are continued.
    public static let screeningIterations = 10
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
        /// Each start's log-likelihood after the screening steps.
        public let restartLogLikelihoods: [Double]
        public let iterations: Int
        /// The most probable state (sorted index) of every observation, from the smoothed posteriors.
        public let statePath: [Int]
    }

    /// Fits `states` (2 or 3) to `x` with `restarts` seeded starts.
    public static func fit(_ x: [Double], states: Int, restarts: Int = 10, seed: UInt64 = 1,
                           maximumIterations: Int = 1000, tolerance: Double = 1e-10) throws(PredictionError) -> Fit {
        guard (2...3).contains(states) else { throw .invalidParameter("the HMM takes 2 or 3 states, got \(states)") }
        guard x.count >= 50 * states else { throw .insufficientData(needed: 50 * states, available: x.count, purpose: "a \(states)-state HMM fit") }
        guard x.allSatisfy(\.isFinite) else { throw .invalidParameter("HMM input contains a non-finite value") }
        let variance = Statistics.variance(x, ddof: 0)
        guard variance > 0 else { throw .constantSeries("the returns never change, so no states can be told apart") }
        let sorted = x.sorted()
        var generator = SeededGenerator(seed: seed)
        var best: (model: GaussianHMM, logLikelihood: Double, posterior: [Double], iterations: Int, path: [Int])?
        var all: [Double] = []
        // Every start runs `screeningIterations` EM steps; the three best continue to convergence.
        var candidates: [(model: GaussianHMM, pass: Expectation)] = []
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
            var pass = model.expectation(x)
            for _ in 0..<screeningIterations {
                model = model.maximisation(x, pass: pass, varianceFloor: 1e-6 * variance)
                pass = model.expectation(x)
            }
            all.append(pass.logLikelihood)
            if pass.logLikelihood.isFinite { candidates.append((model, pass)) }
        }
        candidates.sort { $0.pass.logLikelihood > $1.pass.logLikelihood }
        for candidate in candidates.prefix(3) {
            var model = candidate.model, pass = candidate.pass
            var previous = pass.logLikelihood
            var iterations = screeningIterations
            while iterations < maximumIterations {
                model = model.maximisation(x, pass: pass, varianceFloor: 1e-6 * variance)
                iterations += 1
                pass = model.expectation(x)
                if abs(pass.logLikelihood - previous) <= tolerance * max(1, abs(pass.logLikelihood)) { break }
                previous = pass.logLikelihood
            }
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

    /// Forward-backward with per-step scaling (Rabiner 1989, §V.A): emission densities are formed
    /// from their logarithms relative to the largest state's, and every forward vector is normalised,
    /// so no quantity underflows however long the series; log-likelihood = Σ log(scale) + Σ offsets.
    /// Numerically equivalent to a log-space pass at a fraction of the exp/log calls.
    func expectation(_ x: [Double]) -> Expectation {
        let count = x.count, states = stateCount
        var emission = [Double](repeating: 0, count: count * states)
        var forward = [Double](repeating: 0, count: count * states)
        var backward = [Double](repeating: 1, count: count * states)
        var scale = [Double](repeating: 0, count: count)
        var posterior = [Double](repeating: 0, count: count * states)
        var transitionCounts = [Double](repeating: 0, count: states * states)
        let flatTransitions = transitions.flatMap { $0 }
        let logNormalisers = variances.map { -0.5 * log(2 * Double.pi * $0) }
        let inverseVariances = variances.map { 1 / $0 }
        var offsets = 0.0
        var logScale = 0.0
        emission.withUnsafeMutableBufferPointer { b in
        forward.withUnsafeMutableBufferPointer { f in
        backward.withUnsafeMutableBufferPointer { g in
        scale.withUnsafeMutableBufferPointer { c in
        posterior.withUnsafeMutableBufferPointer { p in
        transitionCounts.withUnsafeMutableBufferPointer { xi in
        x.withUnsafeBufferPointer { observations in
            var logs = [Double](repeating: 0, count: states)
            for t in 0..<count {
                var top = -Double.infinity
                for k in 0..<states {
                    let deviation = observations[t] - means[k]
                    logs[k] = logNormalisers[k] - 0.5 * deviation * deviation * inverseVariances[k]
                    top = max(top, logs[k])
                }
                offsets += top
                for k in 0..<states { b[t * states + k] = exp(logs[k] - top) }
            }
            // Forward.
            var total = 0.0
            for k in 0..<states { f[k] = start[k] * b[k]; total += f[k] }
            c[0] = total
            for k in 0..<states { f[k] /= total }
            for t in 1..<count {
                total = 0
                for k in 0..<states {
                    var sum = 0.0
                    for j in 0..<states { sum += f[(t - 1) * states + j] * flatTransitions[j * states + k] }
                    let value = sum * b[t * states + k]
                    f[t * states + k] = value
                    total += value
                }
                c[t] = total
                for k in 0..<states { f[t * states + k] /= total }
            }
            // Σ log cₜ as logs of products of 16 (cₜ is within a few orders of magnitude of 1).
            var product = 1.0
            for t in 0..<count {
                product *= c[t]
                if t % 16 == 15 { logScale += log(product); product = 1 }
            }
            logScale += log(product)
            // Backward.
            for t in stride(from: count - 2, through: 0, by: -1) {
                for j in 0..<states {
                    var sum = 0.0
                    for k in 0..<states { sum += flatTransitions[j * states + k] * b[(t + 1) * states + k] * g[(t + 1) * states + k] }
                    g[t * states + j] = sum / c[t + 1]
                }
            }
            for index in 0..<(count * states) { p[index] = f[index] * g[index] }
            for t in 0..<(count - 1) {
                for j in 0..<states {
                    let left = f[t * states + j] / c[t + 1]
                    for k in 0..<states { xi[j * states + k] += left * flatTransitions[j * states + k] * b[(t + 1) * states + k] * g[(t + 1) * states + k] }
                }
            }
        } } } } } } }
        return Expectation(logLikelihood: logScale + offsets, posterior: posterior, transitionCounts: transitionCounts,
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
