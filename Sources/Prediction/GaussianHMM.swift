import Foundation
import QuantMath

/// A hidden Markov model with one-dimensional Gaussian emissions, fitted by Baum-Welch (EM) from
/// several seeded starts. Emission densities are formed from their logarithms and the
/// forward-backward recursions are scaled at every step (Rabiner 1989, §V.A), so long series never
/// underflow (`HMMExpectationMaximisation`). Every start runs 3 EM steps; the best one (two for three states) then runs to
/// convergence (relative change below 1e-10) and the best is kept. States are sorted by mean.
///
/// log-likelihood: log p(x₁…x_T) under the fitted start probabilities, the same quantity as
/// hmmlearn's `score`. Variances are floored at 1e-6 × the sample variance so a state cannot
/// collapse onto one observation.
public struct GaussianHMM: Sendable, Codable {
    /// EM steps every start runs before the best are continued.
    public static let screeningIterations = 3
    /// How many screened starts run to convergence: 1 for two states, 2 for three (which has more
    /// local optima).
    public static func continuedStarts(states: Int) -> Int { states - 1 }
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
        // Every start runs `screeningIterations` EM steps; the best continue to convergence.
        var engine = HMMExpectationMaximisation(count: x.count, states: states)
        let floor = 1e-6 * variance
        var candidates: [(parameters: HMMExpectationMaximisation.Parameters, logLikelihood: Double)] = []
        for _ in 0..<max(1, restarts) {
            // Means spread over the quantiles with jitter, variances scaled randomly, sticky transitions.
            let means = (0..<states).map { k in
                Statistics.quantile(sorted: sorted, min(max((Double(k) + 0.2 + 0.6 * generator.nextUniform()) / Double(states), 0), 1))
            }
            let variances = (0..<states).map { _ in variance * (0.3 + 1.4 * generator.nextUniform()) }
            let stay = 0.8 + 0.19 * generator.nextUniform()
            let transitions = (0..<(states * states)).map { index in index / states == index % states ? stay : (1 - stay) / Double(states - 1) }
            var parameters = HMMExpectationMaximisation.Parameters(means: means, variances: variances, transitions: transitions,
                                                                   start: [Double](repeating: 1 / Double(states), count: states))
            var logLikelihood = -Double.infinity
            for _ in 0..<screeningIterations { logLikelihood = engine.step(x, &parameters, varianceFloor: floor) }
            all.append(logLikelihood)
            if logLikelihood.isFinite { candidates.append((parameters, logLikelihood)) }
        }
        candidates.sort { $0.logLikelihood > $1.logLikelihood }
        var finished: [(parameters: HMMExpectationMaximisation.Parameters, logLikelihood: Double, iterations: Int)] = []
        for candidate in candidates.prefix(continuedStarts(states: states)) {
            let result = converge(candidate.parameters, from: candidate.logLikelihood, engine: &engine, x: x, floor: floor,
                                    maximumIterations: maximumIterations, tolerance: tolerance)
            finished.append((result.parameters, result.logLikelihood, screeningIterations + result.iterations))
        }
        // A last pass at the winner's parameters records the state path and the last posterior.
        if let winner = finished.max(by: { $0.logLikelihood < $1.logLikelihood }) {
            var parameters = winner.parameters
            let model = GaussianHMM(means: parameters.means, variances: parameters.variances,
                                    transitions: (0..<states).map { Array(parameters.transitions[($0 * states)..<(($0 + 1) * states)]) },
                                    start: parameters.start)
            engine.recordPath = true
            let logLikelihood = engine.step(x, &parameters, varianceFloor: floor)
            if logLikelihood.isFinite { best = (model, logLikelihood, engine.lastPosterior, winner.iterations, engine.path) }
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

    /// Plain EM from a screened start until the likelihood changes by less than `tolerance`
    /// relative. (SQUAREM acceleration was tried and measured slower here: these fits converge in
    /// about 30 steps and each accelerated cycle costs three.) Returns the parameters, their
    /// log-likelihood and the EM steps used.
    private static func converge(_ start: HMMExpectationMaximisation.Parameters, from startLogLikelihood: Double,
                                 engine: inout HMMExpectationMaximisation, x: [Double], floor: Double,
                                 maximumIterations: Int, tolerance: Double)
        -> (parameters: HMMExpectationMaximisation.Parameters, logLikelihood: Double, iterations: Int) {
        var current = start, previous = startLogLikelihood, steps = 0
        while steps < maximumIterations {
            var next = current
            let logLikelihood = engine.step(x, &next, varianceFloor: floor)   // the likelihood of `current`
            steps += 1
            if abs(logLikelihood - previous) <= tolerance * max(1, abs(logLikelihood)) {
                return (current, logLikelihood, steps)
            }
            previous = logLikelihood
            current = next
        }
        var final = current
        return (current, engine.step(x, &final, varianceFloor: floor), steps + 1)
    }
}
