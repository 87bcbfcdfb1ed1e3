import Foundation
import QuantMath

/// GARCH(1,1) with a constant mean and normal errors, fitted by maximum likelihood with the
/// conventions of the `arch` package (so parameters and log-likelihoods compare directly):
///
///   εₜ = yₜ − μ,   σ²ₜ = ω + α ε²ₜ₋₁ + β σ²ₜ₋₁,
///   σ²₁ = ω + (α + β)·b with the backcast b = Σ_{i<τ} wᵢ e²ᵢ, wᵢ ∝ 0.94ⁱ, τ = min(75, n), where
///   eᵢ = yᵢ − ȳ uses the sample mean (not μ) and b stays fixed while μ is optimised,
///   log L = −½ Σ (log 2π + log σ²ₜ + ε²ₜ/σ²ₜ),
///
/// subject to ω > 0, α ≥ 0, β ≥ 0, α + β < 1. Fit `y` on the scale `arch` recommends, 100 × log
/// returns. The likelihood is maximised by Nelder-Mead over unconstrained coordinates
/// (μ, log ω, logit(α + β), logit(α/(α + β))) from several starts, each polished by a restart.
public struct GARCHModel: Sendable, Hashable, Codable {
    /// The constant mean μ.
    public let mu: Double
    /// The variance intercept ω.
    public let omega: Double
    /// The ARCH coefficient α.
    public let alpha: Double
    /// The GARCH coefficient β.
    public let beta: Double

    /// Creates a model from parameters.
    public init(mu: Double, omega: Double, alpha: Double, beta: Double) {
        self.mu = mu
        self.omega = omega
        self.alpha = alpha
        self.beta = beta
    }

    /// The fewest observations a fit accepts.
    public static let minimumObservations = 100

    /// A fitted model with its log-likelihood and the variance path.
    public struct Fit: Sendable {
        /// The parameters.
        public let model: GARCHModel
        /// The maximised log-likelihood.
        public let logLikelihood: Double
        /// σ²ₜ for every observation.
        public let conditionalVariance: [Double]
        /// σ² of the period after the last observation.
        public let nextVariance: Double
        /// Likelihood evaluations used.
        public let evaluations: Int
    }

    /// Fits the model to `y`.
    public static func fit(_ y: [Double]) throws(PredictionError) -> Fit {
        guard y.count >= minimumObservations else { throw .insufficientData(needed: minimumObservations, available: y.count, purpose: "a GARCH(1,1) fit") }
        guard y.allSatisfy(\.isFinite) else { throw .invalidParameter("GARCH input contains a non-finite value") }
        let mean = Statistics.mean(y)
        let variance = Statistics.variance(y, ddof: 0)
        guard variance > 0 else { throw .constantSeries("the returns never change, so there is no variance to model") }
        // The backcast depends on y only: computed once, not at every evaluation.
        let backcast = Self.backcast(y)
        func negativeLogLikelihood(_ theta: [Double]) -> Double {
            let model = GARCHModel(coordinates: theta)
            return -model.logLikelihood(y, backcast: backcast)
        }
        let optimiser = NelderMead(functionTolerance: 1e-11, pointTolerance: 1e-9, maximumEvaluations: 20_000)
        // Starting values as arch chooses them: the best of a grid of α × persistence at μ = ȳ.
        var candidates: [GARCHModel] = []
        for alpha in [0.01, 0.05, 0.1, 0.2] {
            for persistence in [0.5, 0.7, 0.9, 0.98] where persistence > alpha {
                candidates.append(GARCHModel(mu: mean, omega: variance * (1 - persistence), alpha: alpha, beta: persistence - alpha))
            }
        }
        let start = candidates.max { $0.logLikelihood(y, backcast: backcast) < $1.logLikelihood(y, backcast: backcast) }!
        var evaluations = candidates.count
        var best = optimiser.minimize(negativeLogLikelihood, start: start.coordinates, step: [0.05 * variance.squareRoot(), 0.5, 0.5, 0.5])
        evaluations += best.evaluations
        // Restarts from the optimum rebuild a well-shaped simplex and catch a premature stop;
        // stop once a restart no longer improves the likelihood.
        for _ in 0..<4 {
            let polished = optimiser.minimize(negativeLogLikelihood, start: best.point, step: [0.01 * variance.squareRoot(), 0.1, 0.1, 0.1])
            evaluations += polished.evaluations
            let improved = polished.value < best.value - 1e-9
            if polished.value <= best.value { best = polished }
            if !improved { break }
        }
        guard best.value.isFinite else { throw .notConverged("the GARCH likelihood could not be evaluated at any start") }
        let model = GARCHModel(coordinates: best.point)
        let path = model.variancePath(y)
        return Fit(model: model, logLikelihood: -best.value, conditionalVariance: path,
                   nextVariance: model.nextVariance(after: y[y.count - 1], variance: path[path.count - 1]),
                   evaluations: evaluations)
    }

    /// log L of `y` under the model (−∞ outside the parameter constraints).
    public func logLikelihood(_ y: [Double]) -> Double {
        logLikelihood(y, backcast: Self.backcast(y))
    }

    /// log L of `y` given its backcast.
    func logLikelihood(_ y: [Double], backcast: Double) -> Double {
        guard omega > 0, alpha >= 0, beta >= 0, alpha + beta < 1 else { return -.infinity }
        var variance = omega + (alpha + beta) * backcast
        // Σ log σ²ₜ as the log of products of 16 terms at a time: one log per 16 observations
        // (σ² stays within 1e±15 of 1 here, so a product of 16 cannot overflow).
        var sum = 0.0, product = 1.0, pending = 0
        var logSum = 0.0
        y.withUnsafeBufferPointer { values in
            for value in values {
                let residual = value - mu
                sum += residual * residual / variance
                product *= variance
                pending += 1
                if pending == 16 {
                    logSum += log(product)
                    product = 1
                    pending = 0
                }
                variance = omega + alpha * residual * residual + beta * variance
            }
        }
        logSum += log(product)
        return -0.5 * (Double(y.count) * log(2 * Double.pi) + logSum + sum)
    }

    /// σ²ₜ for each observation of `y`.
    public func variancePath(_ y: [Double]) -> [Double] {
        var path = [Double](repeating: 0, count: y.count)
        var variance = omega + (alpha + beta) * Self.backcast(y)
        for index in y.indices {
            path[index] = variance
            variance = nextVariance(after: y[index], variance: variance)
        }
        return path
    }

    /// σ² of the next observation after observing `y` when σ² was `variance`: ω + α(y − μ)² + βσ².
    @inlinable
    public func nextVariance(after y: Double, variance: Double) -> Double {
        let residual = y - mu
        return omega + alpha * residual * residual + beta * variance
    }

    /// The variance of the sum of the next `steps` observations, given σ² of the next one:
    /// Σₖ σ̄² + (α + β)^(k−1) (σ²₁ − σ̄²), σ̄² = ω/(1 − α − β).
    public func aggregateVariance(nextVariance: Double, steps: Int) -> Double {
        let persistence = alpha + beta
        let longRun = omega / (1 - persistence)
        var total = 0.0, decay = 1.0
        for _ in 0..<steps {
            total += longRun + decay * (nextVariance - longRun)
            decay *= persistence
        }
        return total
    }

    /// arch's backcast: Σ_{i<τ} wᵢ (yᵢ − ȳ)² with wᵢ = 0.94ⁱ / Σ 0.94ʲ, τ = min(75, n).
    static func backcast(_ y: [Double]) -> Double {
        let mean = Statistics.mean(y)
        let tau = min(75, y.count)
        var weight = 1.0, total = 0.0, weights = 0.0
        for index in 0..<tau {
            let residual = y[index] - mean
            total += weight * residual * residual
            weights += weight
            weight *= 0.94
        }
        return total / weights
    }

    // Unconstrained coordinates: (μ, log ω, logit(α + β), logit(α / (α + β))).
    private init(coordinates theta: [Double]) {
        let persistence = 1 / (1 + exp(-theta[2])), share = 1 / (1 + exp(-theta[3]))
        self.init(mu: theta[0], omega: exp(theta[1]), alpha: persistence * share, beta: persistence * (1 - share))
    }

    private var coordinates: [Double] {
        let persistence = alpha + beta, share = alpha / (alpha + beta)
        return [mu, log(omega), log(persistence / (1 - persistence)), log(share / (1 - share))]
    }
}
