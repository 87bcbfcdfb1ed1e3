import Foundation
import Prediction
import QuantMath
import Testing
import TestSupport

/// Reference values of scripts/reference/prediction.py (arch, hmmlearn, scikit-learn).
struct PredictionFixture: Decodable {
    struct GARCHCase: Decodable, Sendable, CustomStringConvertible {
        let name: String
        let returns: [Double]
        let mu: Double
        let omega: Double
        let alpha: Double
        let beta: Double
        let loglikelihood: Double
        let variance_forecast_1: Double
        var description: String { name }
    }

    struct HMMFit: Decodable, Sendable {
        let loglikelihood: Double
        let means: [Double]
        let stds: [Double]
    }

    struct HMMSection: Decodable, Sendable {
        let returns: [Double]?
        let k2: HMMFit
        let k3: HMMFit
    }

    struct Regression: Decodable, Sendable {
        let X: [[Double]]
        let y: [Double]
        let y_class: [Int]
        let scaler_mean: [Double]
        let scaler_scale: [Double]
    }

    struct RidgeCase: Decodable, Sendable, CustomStringConvertible {
        let alpha: Double
        let coefficients: [Double]
        let intercept: Double
        var description: String { "alpha \(alpha)" }
    }

    struct LogisticCase: Decodable, Sendable, CustomStringConvertible {
        let C: Double
        let coefficients: [Double]
        let intercept: Double
        let probabilities_first5: [Double]
        var description: String { "C \(C)" }
    }

    struct Cases<T: Decodable & Sendable>: Decodable, Sendable { let cases: [T] }

    let garch: [String: GARCHCase]
    let hmm: HMMSection
    let hmm_mle: HMMSection
    let regression: Regression
    let ridge: Cases<RidgeCase>
    let logistic: Cases<LogisticCase>

    static let shared: PredictionFixture = {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/PredictionTests/Fixtures/prediction_reference.json")
        return try! JSONDecoder().decode(PredictionFixture.self, from: Data(contentsOf: url))
    }()
}

@Suite("Prediction models against arch, hmmlearn and scikit-learn")
struct ModelReferenceTests {
    static let fixture = PredictionFixture.shared

    @Test("GARCH(1,1): log-likelihood within 0.05 and parameters within 1 % of arch", arguments: fixture.garch.values.sorted { $0.name < $1.name })
    func garch(_ reference: PredictionFixture.GARCHCase) throws {
        let fit = try GARCHModel.fit(reference.returns)
        #expect(abs(fit.logLikelihood - reference.loglikelihood) <= 0.05, "loglik \(fit.logLikelihood) vs \(reference.loglikelihood)")
        #expect(fit.logLikelihood >= reference.loglikelihood - 1e-6, "our optimum is worse than arch's")
        for (name, ours, theirs) in [("mu", fit.model.mu, reference.mu), ("omega", fit.model.omega, reference.omega),
                                     ("alpha", fit.model.alpha, reference.alpha), ("beta", fit.model.beta, reference.beta)] {
            #expect(abs(ours - theirs) <= 0.01 * abs(theirs), "\(name): \(ours) vs \(theirs)")
        }
        #expect(abs(fit.nextVariance - reference.variance_forecast_1) <= 0.01 * reference.variance_forecast_1)
        // Our likelihood function at arch's parameters reproduces arch's value (same backcast and recursion).
        let atReference = GARCHModel(mu: reference.mu, omega: reference.omega, alpha: reference.alpha, beta: reference.beta)
        #expect(agrees(atReference.logLikelihood(reference.returns), reference.loglikelihood, relative: 1e-9))
    }

    @Test("Gaussian HMM: log-likelihood at least the best of 20 hmmlearn restarts minus 0.5", arguments: [2, 3])
    func hmm(states: Int) throws {
        let returns = try #require(Self.fixture.hmm.returns)
        let fit = try GaussianHMM.fit(returns, states: states, restarts: 10, seed: 1)
        let hmmlearn = states == 2 ? Self.fixture.hmm.k2 : Self.fixture.hmm.k3
        let maximumLikelihood = states == 2 ? Self.fixture.hmm_mle.k2 : Self.fixture.hmm_mle.k3
        #expect(fit.logLikelihood >= hmmlearn.loglikelihood - 0.5, "\(fit.logLikelihood) vs hmmlearn \(hmmlearn.loglikelihood)")
        // Against the prior-free maximum-likelihood fit (every hmmlearn seed agrees on it): the same optimum.
        #expect(abs(fit.logLikelihood - maximumLikelihood.loglikelihood) <= 0.5, "\(fit.logLikelihood) vs MLE \(maximumLikelihood.loglikelihood)")
        #expect(fit.model.means == fit.model.means.sorted())
        #expect(abs(fit.lastPosterior.reduce(0, +) - 1) < 1e-9)
    }

    static func standardizedRows() -> [[Double]] {
        let scaler = Standardizer(fitting: fixture.regression.X)
        for index in scaler.means.indices {
            precondition(agrees(scaler.means[index], fixture.regression.scaler_mean[index], relative: 1e-12))
            precondition(agrees(scaler.scales[index], fixture.regression.scaler_scale[index], relative: 1e-12))
        }
        return fixture.regression.X.map(scaler.transform)
    }

    @Test("ridge coefficients within 1e-6 of scikit-learn", arguments: fixture.ridge.cases)
    func ridge(_ reference: PredictionFixture.RidgeCase) throws {
        let model = try RidgeRegression(rows: Self.standardizedRows(), targets: Self.fixture.regression.y, alpha: reference.alpha)
        for (ours, theirs) in zip(model.coefficients, reference.coefficients) { #expect(abs(ours - theirs) <= 1e-6 * max(1, abs(theirs))) }
        #expect(abs(model.intercept - reference.intercept) <= 1e-9)
    }

    @Test("logistic coefficients within 1e-6 of scikit-learn", arguments: fixture.logistic.cases)
    func logistic(_ reference: PredictionFixture.LogisticCase) throws {
        let rows = Self.standardizedRows()
        let model = try LogisticRegression(rows: rows, labels: Self.fixture.regression.y_class.map { $0 == 1 }, inverseRegularization: reference.C)
        for (ours, theirs) in zip(model.coefficients, reference.coefficients) { #expect(abs(ours - theirs) <= 1e-6, "\(ours) vs \(theirs)") }
        #expect(abs(model.intercept - reference.intercept) <= 1e-6)
        for index in 0..<5 { #expect(abs(model.probability(rows[index]) - reference.probabilities_first5[index]) <= 1e-6) }
    }
}
