import FeedbackLoop
import Prometheus
import TradingEngine

/// The feedback loop's Prometheus metrics: outcomes scored by verdict, learning cycles, drifts,
/// each horizon's confidence threshold and its rolling accuracy and Brier score. Label values are
/// bounded (verdicts, horizon labels).
public final class FeedbackMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let cycles: Counter
    private let drifts: Counter

    /// Creates the metrics in the registry `/metrics` renders.
    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        cycles = registry.makeCounter(descriptor: Self.name("cycles", "total", "Scoring cycles that scored at least one forecast."))
        drifts = registry.makeCounter(descriptor: Self.name("drifts", "total", "Drifts signalled by the Page-Hinkley detectors of the forecast streams."))
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "orchestrator", subsystem: "feedback", metricName: metric, unitName: unit, helpText: help)
    }

    /// Records a scoring cycle and the rolling figures of each horizon over its newest outcomes.
    public func record(_ report: FeedbackCycle.ScoringReport, recent: [StoredOutcome], thresholds: [StoredThreshold]) {
        if report.scored > 0 { cycles.increment() }
        if !report.drifts.isEmpty { drifts.increment(by: Int64(report.drifts.count)) }
        for (verdict, count) in [("SUCCESS", report.successes), ("FAILURE", report.failures)] where count > 0 {
            registry.makeCounter(descriptor: Self.name("outcomes", "total", "Forecasts scored, by verdict."), labels: [("verdict", verdict)])
                .increment(by: Int64(count))
        }
        for (horizon, outcomes) in Dictionary(grouping: recent, by: \.horizon) {
            let window = outcomes.prefix(250)
            let accuracy = Double(window.filter(\.outcome.directionHit).count) / Double(window.count)
            let brier = window.reduce(0) { $0 + $1.outcome.brier } / Double(window.count)
            registry.makeGauge(descriptor: Self.name("accuracy", "", "Direction accuracy of the newest 250 scored forecasts per horizon."),
                               labels: [("horizon", horizon)]).set(to: accuracy)
            registry.makeGauge(descriptor: Self.name("brier", "", "Mean Brier score of the newest 250 scored forecasts per horizon."),
                               labels: [("horizon", horizon)]).set(to: brier)
        }
        for threshold in thresholds {
            registry.makeGauge(descriptor: Self.name("threshold", "", "Confidence |P(up) - 0.5| a forecast needs before the engine acts on it, per horizon."),
                               labels: [("horizon", threshold.horizon)]).set(to: threshold.threshold)
        }
    }
}
