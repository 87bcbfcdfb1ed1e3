import Foundation
import Prometheus
import Synchronization
import TradingEngine

/// The server's Prometheus metrics: requests by route template, method and status; their latency;
/// process memory and the database pool. Route labels are templates (`/api/v1/apikeys/{id}`), so
/// the number of series stays bounded whatever paths clients send.
public final class HTTPMetrics: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    private var requestsDescriptor: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "orchestrator", subsystem: "http", metricName: "requests", unitName: "total",
        helpText: "HTTP requests answered, by route template, method and status.") }
    private var durationDescriptor: MetricNameDescriptor { MetricNameDescriptor(
        namespace: "orchestrator", subsystem: "http", metricName: "request_duration", unitName: "seconds",
        helpText: "Time from request head to response, by route template, method and status.") }
    private let buckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5), .seconds(10),
    ]
    private let residentMemory: Gauge
    private let openFiles: Gauge
    private let poolMaximum: Gauge
    private let poolInFlight: Gauge
    private let uptime: Gauge
    private let started = ContinuousClock.now
    private let answered = Atomic<Int>(0)
    private let serverErrors = Atomic<Int>(0)
    /// Where each answer is also counted for the routes' system signatures (nil: not kept).
    public let observations: SystemObservations?

    /// Requests answered since the start, and how many of them with a 5xx: the supervisor trends
    /// the error rate between its sweeps from these.
    public var requestTotals: (answered: Int, serverErrors: Int) {
        (answered.load(ordering: .relaxed), serverErrors.load(ordering: .relaxed))
    }

    /// Metrics in a registry of their own (tests, and a process that exposes nothing else).
    public convenience init() {
        self.init(registry: PrometheusCollectorRegistry())
    }

    /// Creates the metrics in a registry; with `observations`, every answer is counted there too
    /// (its route's system signature: a 5xx fails).
    public init(registry: PrometheusCollectorRegistry, observations: SystemObservations? = nil) {
        self.registry = registry
        self.observations = observations
        residentMemory = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "process", metricName: "resident_memory", unitName: "bytes", helpText: "Resident set size of this process."))
        openFiles = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "process", metricName: "open_fds", unitName: "", helpText: "Open file descriptors of this process."))
        poolMaximum = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "orchestrator", subsystem: "db", metricName: "pool_max_connections", unitName: "",
            helpText: "The most database connections the pool opens."))
        poolInFlight = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "orchestrator", subsystem: "db", metricName: "operations_in_flight", unitName: "",
            helpText: "Database operations running now (pool saturation when it reaches the maximum)."))
        uptime = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "orchestrator", metricName: "uptime", unitName: "seconds", helpText: "Seconds since the server started."))
    }

    /// Counts one answered request.
    func record(method: String, route: String, status: Int, duration: Duration) {
        let labels = [("method", method), ("route", route), ("status", String(status))]
        answered.add(1, ordering: .relaxed)
        if status >= 500 { serverErrors.add(1, ordering: .relaxed) }
        registry.makeCounter(descriptor: requestsDescriptor, labels: labels).increment()
        registry.makeDurationHistogram(descriptor: durationDescriptor, labels: labels, buckets: buckets).record(duration)
        observations?.record(.route, subject: method, detail: route, duration: duration, failed: status >= 500)
    }

    /// Refreshes the sampled gauges and renders the Prometheus text format.
    func render(pool: StorePoolStatistics?) -> [UInt8] {
        if let rss = ProcessStatistics.residentMemoryBytes() { residentMemory.set(to: Double(rss)) }
        if let files = ProcessStatistics.openFileCount() { openFiles.set(to: Double(files)) }
        if let pool {
            poolMaximum.set(to: Double(pool.maximumConnections))
            poolInFlight.set(to: Double(pool.operationsInFlight))
        }
        let seconds = ContinuousClock.now - started
        uptime.set(to: Double(seconds.components.seconds) + Double(seconds.components.attoseconds) / 1e18)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// Reads this process's figures from `/proc` (Linux); nil elsewhere.
enum ProcessStatistics {
    /// Resident set size in bytes, from `/proc/self/statm`.
    static func residentMemoryBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Open file descriptors, from `/proc/self/fd`.
    static func openFileCount() -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd"))?.count
    }
}
