import FeedbackLoop
import Foundation
import Testing
import TestSupport

/// The values `scripts/reference/feedback.py` computed with river, numpy, scikit-learn, scipy and arch.
struct FeedbackReference: Decodable {
    struct PageHinkleyCase: Decodable, CustomTestStringConvertible {
        let name: String
        let min_instances: Int
        let delta: Double
        let threshold: Double
        let alpha: Double
        let mode: String
        let stream: [Double]
        let drift_indices: [Int]
        var testDescription: String { name }
    }
    struct PSICase: Decodable, CustomTestStringConvertible {
        let name: String
        let expected: [Double]
        let actual: [Double]
        let bins: Int
        let psi: Double
        var testDescription: String { name }
    }
    struct ProbabilityCase: Decodable, CustomTestStringConvertible {
        let name: String
        let probabilities: [Double]
        let outcomes: [Int]
        let brier: Double
        let log_loss: Double
        let calibration_prob_true: [Double]
        let calibration_prob_pred: [Double]
        var testDescription: String { name }
    }
    struct DensityCase: Decodable {
        let x: Double
        let mean: Double
        let sd: Double
        let logpdf: Double
    }
    struct BootstrapCase: Decodable, CustomTestStringConvertible {
        let name: String
        let values: [Double]
        let block_length: Int
        let replications: Int
        let confidence: Double
        let mean: Double
        let ci_low: Double
        let ci_high: Double
        let ci_low_spread: Double
        let ci_high_spread: Double
        var testDescription: String { name }
    }

    let page_hinkley: [PageHinkleyCase]
    let psi: [PSICase]
    let probability_scores: [ProbabilityCase]
    let gaussian_log_density: [DensityCase]
    let block_bootstrap: [BootstrapCase]

    static let loaded: FeedbackReference = {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/FeedbackLoopTests/Fixtures/feedback_reference.json")
        return try! JSONDecoder().decode(FeedbackReference.self, from: Data(contentsOf: url))
    }()
}

@Suite("Feedback numerics against river, numpy, scikit-learn, scipy and arch")
struct FeedbackReferenceTests {
    @Test("Page-Hinkley fires at exactly river's indices", arguments: FeedbackReference.loaded.page_hinkley)
    func pageHinkley(_ reference: FeedbackReference.PageHinkleyCase) throws {
        var detector = PageHinkley(minimumInstances: reference.min_instances, delta: reference.delta, threshold: reference.threshold,
                                   alpha: reference.alpha, mode: try #require(PageHinkley.Mode(rawValue: reference.mode)))
        let fired = reference.stream.indices.filter { detector.update(reference.stream[$0]) }
        #expect(fired == reference.drift_indices)
    }

    @Test("the detector's state is a fixed size whatever the stream's length")
    func pageHinkleyMemoryIsConstant() throws {
        var detector = PageHinkley()
        let before = try JSONEncoder().encode(detector).count
        for index in 0..<100_000 { detector.update(Double(index % 7)) }
        // The encoded state grows only by the digits of its numbers, never with the stream.
        #expect(try JSONEncoder().encode(detector).count < before + 120)
        #expect(MemoryLayout<PageHinkley>.size < 128)
    }

    @Test("population stability index as numpy computes it", arguments: FeedbackReference.loaded.psi)
    func populationStability(_ reference: FeedbackReference.PSICase) {
        let value = PopulationStabilityIndex.index(expected: reference.expected, actual: reference.actual, bins: reference.bins)
        #expect(abs(value - reference.psi) <= 1e-12 * max(1, abs(reference.psi)), "\(value) vs \(reference.psi)")
    }

    @Test("Brier score, log loss and the calibration curve as scikit-learn computes them", arguments: FeedbackReference.loaded.probability_scores)
    func probabilityScores(_ reference: FeedbackReference.ProbabilityCase) {
        let outcomes = reference.outcomes.map { $0 == 1 }
        #expect(agrees(ProbabilityScores.brier(probabilities: reference.probabilities, outcomes: outcomes), reference.brier, relative: 1e-12))
        #expect(agrees(ProbabilityScores.logLoss(probabilities: reference.probabilities, outcomes: outcomes), reference.log_loss, relative: 1e-12))
        let curve = ProbabilityScores.calibration(probabilities: reference.probabilities, outcomes: outcomes)
        #expect(curve.count == reference.calibration_prob_true.count)
        for (bin, (observed, predicted)) in zip(curve, zip(reference.calibration_prob_true, reference.calibration_prob_pred)) {
            #expect(agrees(bin.observedFrequency, observed, relative: 1e-12))
            #expect(agrees(bin.meanProbability, predicted, relative: 1e-12))
        }
    }

    @Test("Gaussian log density as scipy.stats.norm.logpdf")
    func gaussianLogDensity() {
        for reference in FeedbackReference.loaded.gaussian_log_density {
            let value = ProbabilityScores.gaussianLogDensity(reference.x, mean: reference.mean, standardDeviation: reference.sd)
            #expect(abs(value - reference.logpdf) <= 1e-12 * max(1, abs(reference.logpdf)), "x \(reference.x) mean \(reference.mean) sd \(reference.sd)")
        }
    }

    @Test("circular block bootstrap interval agrees with arch's within its Monte-Carlo noise", arguments: FeedbackReference.loaded.block_bootstrap)
    func blockBootstrap(_ reference: FeedbackReference.BootstrapCase) {
        let interval = BlockBootstrap(blockLength: reference.block_length, replications: reference.replications)
            .meanInterval(reference.values, confidence: reference.confidence)
        #expect(agrees(interval.mean, reference.mean, relative: 1e-12))
        // Different generators: the ends agree up to the spread arch's own ends show across seeds.
        #expect(abs(interval.low - reference.ci_low) <= 4 * reference.ci_low_spread, "low \(interval.low) vs \(reference.ci_low) ± \(reference.ci_low_spread)")
        #expect(abs(interval.high - reference.ci_high) <= 4 * reference.ci_high_spread, "high \(interval.high) vs \(reference.ci_high) ± \(reference.ci_high_spread)")
    }
}
