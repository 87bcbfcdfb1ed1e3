import Prometheus
import TradingCore
import TradingEngine

/// The live feed's and the venue's figures in `/metrics`: `orchestrator_feed_*` and
/// `orchestrator_venue_rate_budget_used_ratio`. The counts are gauges of what happened since the
/// process started (set from the connector's own counts each second).
public final class VenueMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let connected: Gauge
    private let lag: Gauge
    private let reconnects: Gauge
    private let gapsHealed: Gauge
    private let barsHealed: Gauge
    private let malformed: Gauge
    private let duplicates: Gauge
    private let ordersInFlight: Gauge
    private let unknownOutcomes: Gauge
    private let ordersSent: Gauge
    private let ordersRefused: Gauge
    private let reconciliationProblems: Gauge
    private let reconciliationTime: Gauge
    private let budgetWaits: Gauge
    private let budgetWaited: Gauge

    /// Creates the metrics in the registry `/metrics` renders.
    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        func gauge(_ name: String, _ help: String, unit: String = "") -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "feed", metricName: name, unitName: unit, helpText: help))
        }
        connected = gauge("connected", "1 while the live feed's stream is connected.")
        lag = gauge("lag", "Seconds from the newest bar's close to now.", unit: "seconds")
        reconnects = gauge("reconnects", "Stream reconnects since the process started.")
        gapsHealed = gauge("gaps_healed", "Gaps filled from the venue's history since the process started.")
        barsHealed = gauge("bars_healed", "Bars fetched from history to fill gaps since the process started.")
        malformed = gauge("malformed_frames", "Stream frames that could not be read (logged with their text) since the process started.")
        duplicates = gauge("duplicate_frames", "Repeated or out-of-order closed klines dropped since the process started.")
        func venueGauge(_ name: String, _ help: String, unit: String = "") -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "venue", metricName: name, unitName: unit, helpText: help))
        }
        ordersInFlight = venueGauge("orders_in_flight", "Orders sent to the venue and not ended by its reports yet.")
        unknownOutcomes = venueGauge("unknown_outcomes", "Orders whose submission outcome is unknown (resolved by query, never resent).")
        ordersSent = venueGauge("orders_sent", "Orders sent to the venue since the process started.")
        ordersRefused = venueGauge("orders_refused", "Orders the venue refused or that could not be sent since the process started.")
        reconciliationProblems = venueGauge("reconciliation_problems", "What the last reconciliation found not to agree (0: the books agree).")
        reconciliationTime = venueGauge("reconciliation_time", "When the last reconciliation ran.", unit: "seconds")
        budgetWaits = venueGauge("rate_budget_waits", "Requests that waited for the exchange's rate budget since the process started.")
        budgetWaited = venueGauge("rate_budget_waited", "Time requests spent waiting for the rate budget since the process started.", unit: "seconds")
    }

    /// Sets every figure from a status.
    public func record(_ status: VenueStatus, now: Timestamp) {
        if let feed = status.feed {
            connected.set(feed.connected ? 1.0 : 0.0)
            if let close = feed.newestBarClose { lag.set(Double(now.millisecondsSinceEpoch - close.millisecondsSinceEpoch) / 1000) }
            reconnects.set(Double(feed.reconnects))
            gapsHealed.set(Double(feed.gapsHealed))
            barsHealed.set(Double(feed.barsHealed))
            malformed.set(Double(feed.malformedFrames))
            duplicates.set(Double(feed.duplicateFrames))
        }
        if let activity = status.activity {
            ordersInFlight.set(Double(activity.ordersInFlight))
            unknownOutcomes.set(Double(activity.unknownOutcomes))
            ordersSent.set(Double(activity.ordersSent))
            ordersRefused.set(Double(activity.ordersRefused))
            if let last = activity.lastReconciliation {
                reconciliationProblems.set(Double(last.problems.count))
                reconciliationTime.set(Double(last.time.millisecondsSinceEpoch) / 1000)
            }
        }
        budgetWaits.set(Double(status.budgetWaits))
        budgetWaited.set(Double(status.budgetWaitedMilliseconds) / 1000)
        for limit in status.rateLimits where limit.limit > 0 {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "venue", metricName: "rate_budget_used", unitName: "ratio",
                                                                helpText: "Share of each exchange rate limit used in its current window."),
                               labels: [("type", limit.type), ("window_ms", String(limit.windowMilliseconds)), ("venue", status.venue)])
                .set(Double(limit.used) / Double(limit.limit))
        }
    }
}
