import Prometheus
import TradingCore
import TradingEngine

/// The trading loop's Prometheus metrics, exported by the process that runs the loop
/// (`orchestrator run`): equity, cash, exposure, drawdown, the state, and counters of orders by
/// status, fills and rejections by reason. Labels are bounded: statuses, states and rule names.
public final class TradingMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let equity: Gauge
    private let cash: Gauge
    private let grossExposure: Gauge
    private let drawdown: Gauge
    private let positions: Gauge
    private let bars: Counter
    private let fills: Counter
    private let forecasts: Counter
    private let decisions: Counter
    private let championSwaps: Counter

    /// Creates the metrics in the registry `/metrics` renders.
    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        func gauge(_ name: String, _ unit: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "trading", metricName: name, unitName: unit, helpText: help))
        }
        equity = gauge("equity", "", "Account equity (cash + positions marked at the last close), in the quote currency.")
        cash = gauge("cash", "", "Account cash, in the quote currency.")
        grossExposure = gauge("gross_exposure", "ratio", "Σ |position value| / equity at the last close.")
        drawdown = gauge("drawdown", "ratio", "Fall of equity from its peak, 0 at a new high.")
        positions = gauge("open_positions", "", "Open positions.")
        bars = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "trading", metricName: "bars_processed",
                                                                     unitName: "total", helpText: "Bars the loop has processed in this process."))
        fills = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "trading", metricName: "fills",
                                                                      unitName: "total", helpText: "Fills booked in this process."))
        forecasts = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "trading", metricName: "forecasts",
                                                                          unitName: "total", helpText: "Forecasts made (one per symbol and bar once models are fitted)."))
        decisions = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "trading", metricName: "decisions",
                                                                          unitName: "total", helpText: "Allocation decisions made by the strategy."))
        championSwaps = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "trading", metricName: "champion_changes",
                                                                              unitName: "total", helpText: "Changes of the model version forecasting a stream, the first read included."))
        for state in [TradingState.active, .reducing, .halted] { stateGauge(state).set(to: 0) }
        // Every known label value is exported from the start at 0, so a rate() exists before the first event.
        for status in [OrderStatus.accepted, .filled, .partiallyFilled, .cancelled, .rejected, .expired] { _ = orderCounter(status.rawValue) }
        for reason in Self.rejectionReasons { _ = rejectionCounter(reason) }
    }

    /// The risk gate's rules, the session's own refusal and the venue (as one value).
    static let rejectionReasons = ["invalid_quantity", "invalid_price", "halted", "reducing_only", "max_order_notional", "max_orders_per_minute",
                                   "no_equity", "max_position_weight", "max_gross_exposure", "insufficient_cash", "venue"]

    private func orderCounter(_ status: String) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "trading", metricName: "orders", unitName: "total",
                                                              helpText: "Order state changes in this process, by the state reached."),
                             labels: [("status", status)])
    }

    private func rejectionCounter(_ reason: String) -> Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "trading", metricName: "rejections", unitName: "total",
                                                              helpText: "Orders refused in this process, by rule (risk gate) or venue reason."),
                             labels: [("reason", reason)])
    }

    private func stateGauge(_ state: TradingState) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "trading", metricName: "state", unitName: "",
                                                            helpText: "1 for the current trading state (ACTIVE, REDUCING, HALTED), 0 for the others."),
                           labels: [("state", state.rawValue)])
    }

    /// Records the champion now forecasting a stream (`SYMBOL TIMEFRAME HORIZON`): its version's
    /// series set to 1, the previous version's to 0; nil is the policy's own fit. Versions change a
    /// few times a month at most, so the label stays bounded.
    public func recordChampion(stream: String, version: String?, previous: String?) {
        func series(_ version: String) -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "trading", metricName: "champion", unitName: "",
                                                                helpText: "1 for the model version forecasting a stream (the feedback loop's champion, or own_fit), 0 for the ones before."),
                               labels: [("stream", stream), ("model_version", version)])
        }
        series(previous ?? "own_fit").set(to: 0)
        series(version ?? "own_fit").set(to: 1)
        championSwaps.increment()
    }

    /// Records what a stored execution report changed: its fills and the order's new state.
    public func record(reportFills: [BookedFill], order: Order?) {
        if !reportFills.isEmpty { fills.increment(by: Int64(reportFills.count)) }
        if let order { orderCounter(order.status.rawValue).increment() }
    }

    /// Records one stored step; `peak` is the highest equity seen so far.
    public func record(_ step: SessionStep, openPositions: Int, peak: FixedDecimal) {
        let equityValue = step.equity.doubleValue
        equity.set(to: equityValue)
        cash.set(to: step.cash.doubleValue)
        grossExposure.set(to: equityValue > 0 ? step.grossExposure.doubleValue / equityValue : 0)
        drawdown.set(to: peak.isPositive ? max(0, 1 - equityValue / peak.doubleValue) : 0)
        positions.set(to: Double(openPositions))
        for state in [TradingState.active, .reducing, .halted] { stateGauge(state).set(to: state == step.state ? 1 : 0) }
        bars.increment()
        if !step.fills.isEmpty { fills.increment(by: Int64(step.fills.count)) }
        let made = step.forecasts.values.reduce(0) { $0 + $1.count }
        if made > 0 { forecasts.increment(by: Int64(made)) }
        if step.decided { decisions.increment() }
        for order in step.orders { orderCounter(order.status.rawValue).increment() }
        for (rule, count) in step.rejections {
            // Venue reasons carry numbers; the label keeps their kind only, so series stay bounded.
            rejectionCounter(rule.hasPrefix("venue") ? "venue" : rule).increment(by: Int64(count))
        }
    }
}
