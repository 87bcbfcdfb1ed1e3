import Foundation
import HTTPServer
import Hummingbird
import Logging
import Prometheus
import SecuritySupervisor
import ServiceLifecycle
import Storage
import TradingCore
import TradingEngine

/// `orchestrator serve`: opens and migrates the store, imports sample data into an empty database,
/// makes sure an admin key exists, and runs the API until SIGTERM or SIGINT, then finishes
/// in-flight requests and closes the database.
public enum ServeCommand {
    /// Runs the service; `announce` receives the lines meant for the person who started it.
    public static func run(_ configuration: OrchestratorConfiguration, clock source: ProcessClock = .system, logger: Logger,
                           announce: @escaping @Sendable (String) -> Void) async throws {
        let (clock, keeper) = try await source.start(configuration, logger: logger, announce: announce)
        try await run(configuration, logger: logger, announce: announce, clock: clock) { _, _, _ in keeper.map { [$0] } ?? [] }
    }

    /// Runs the service with more services beside the API (the trading loop of `orchestrator run`),
    /// made once the store is open and prepared; they start after the store and stop before it.
    static func run(_ configuration: OrchestratorConfiguration, logger: Logger, announce: @escaping @Sendable (String) -> Void,
                    venueStatus: (@Sendable () async -> VenueStatus?)? = nil, clock: any TradingClock = SystemClock(), role: String = "api",
                    observations: SystemObservations? = nil,
                    services: (SQLStore, PrometheusCollectorRegistry, any TradingClock) async throws -> [ServiceGroupConfiguration.ServiceConfiguration]) async throws {
        let store = try await StoreFactory.open(configuration, logger: logger)
        do {
            try await prepare(store: store, configuration: configuration, clock: clock, logger: logger, announce: announce)
        } catch {
            try? await store.close()
            throw error
        }
        let registry = PrometheusCollectorRegistry()
        let extra: [ServiceGroupConfiguration.ServiceConfiguration]
        do {
            extra = try await services(store, registry, clock)
        } catch {
            try? await store.close()
            throw error
        }
        let observations = observations ?? signatureObservations(configuration)
        let metrics = HTTPMetrics(registry: registry, observations: observations)
        var supervisor: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var sweeper: SecuritySweeper?
        let instance = instanceName(port: configuration.port)
        supervisor.append(.init(service: MemoryTrimService(), serviceName: "memory-trim"))
        if let observations {
            supervisor.append(signatureService(store: store, observations: observations, configuration: configuration, role: "\(role):\(instance)", logger: logger))
        }
        if configuration.security.checkIntervalSeconds > 0 {
            let created = SecuritySweeper(configuration: configuration, store: store, logger: logger, clock: clock, metrics: SecurityMetrics(registry: registry),
                                          role: "\(role):\(instance)", requestTotals: { metrics.requestTotals })
            sweeper = created
            supervisor.append(.init(service: SecuritySupervisorService(sweeper: created, interval: .seconds(configuration.security.checkIntervalSeconds), logger: logger,
                                                                       announce: announce),
                                    serviceName: "security-supervisor"))
        }
        if configuration.feedbackScoreIntervalSeconds > 0 {
            supervisor.append(.init(service: FeedbackService(store: store, interval: .seconds(configuration.feedbackScoreIntervalSeconds), clock: clock,
                                                             metrics: FeedbackMetrics(registry: registry), logger: logger,
                                                             deliver: AlertWebhook.delivery(configuration, logger: logger)),
                                    serviceName: "feedback-loop"))
        }
        var dependencies = serverDependencies(store: store, configuration: configuration, metrics: metrics, clock: clock)
        if let sweeper { dependencies.runSweep = { try await sweeper.sweep() } }
        dependencies.venueStatus = venueStatus
        if let venueStatus {
            supervisor.append(.init(service: VenueMetricsService(status: venueStatus, metrics: VenueMetrics(registry: registry), clock: clock),
                                    serviceName: "venue-metrics"))
        }
        let host = configuration.host
        let application = APIServer.application(dependencies, host: host, port: configuration.port, logger: logger) { port in
            let base = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
            announce("API:     \(base)/api/v1 (Authorization: Bearer <key>)")
            announce("Docs:    \(base)/docs   OpenAPI: \(base)/openapi.json")
            announce("Metrics: \(base)/metrics   Health: \(base)/health/ready")
            logger.info("listening", metadata: ["address": .string(base)])
        }
        // Services stop in reverse order: the server drains first, then the store closes.
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: StoreService(store: store)), .init(service: application)] + supervisor + extra,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.info("stopped")
    }

    /// What tells two processes of one role on one host apart: the port, which stays the same across
    /// restarts; without one, or with a port the system picks (0, not known yet), the process id.
    static func instanceName(port: Int?) -> String {
        guard let port, port != 0 else { return "pid\(ProcessInfo.processInfo.processIdentifier)" }
        return String(port)
    }

    /// The counts of this process's system signatures, on the wall clock; nil when they are off.
    static func signatureObservations(_ configuration: OrchestratorConfiguration) -> SystemObservations? {
        guard configuration.signatureWindowSeconds > 0 else { return nil }
        return SystemObservations(windowSeconds: configuration.signatureWindowSeconds, clock: { SystemClock().now() })
    }

    /// The service that judges and learns `observations`' windows as the observer `role` on this host.
    static func signatureService(store: SQLStore, observations: SystemObservations, configuration: OrchestratorConfiguration, role: String,
                                 logger: Logger) -> ServiceGroupConfiguration.ServiceConfiguration {
        // New anomalies go to the webhook too (the sweeps deliver only the alerts they raise).
        let keeper = SystemSignatureKeeper(observations: observations, store: store, observer: AlertObserver(host: ProcessInfo.processInfo.hostName, role: role),
                                           halfLifeDays: configuration.signatureHalfLifeDays, logger: logger,
                                           deliver: AlertWebhook.delivery(configuration, logger: logger))
        return .init(service: SystemSignatureService(keeper: keeper, windowMilliseconds: observations.windowMilliseconds, clock: { SystemClock().now() }, logger: logger),
                     serviceName: "system-signatures")
    }

    /// What the HTTP side of any role needs.
    static func serverDependencies(store: SQLStore, configuration: OrchestratorConfiguration, metrics: HTTPMetrics, clock: any TradingClock) -> ServerDependencies {
        ServerDependencies(
            store: store,
            authenticator: APIKeyAuthenticator(store: store, cacheLifetime: .seconds(configuration.keyCacheSeconds)),
            metrics: metrics, clock: clock,
            settings: ServerSettings(version: ProductVersion.current, maximumBodyBytes: configuration.maximumBodyBytes,
                                     openHealth: configuration.openHealth, openMetrics: configuration.openMetrics,
                                     startedAt: clock.now(), sessionSecret: configuration.sessionSecret.map { Array($0.utf8) },
                                     sessionLifetimeSeconds: configuration.sessionHours * 3600,
                                     predictionCacheBytes: configuration.predictionCacheMegabytes << 20,
                                     signatureHalfLifeDays: configuration.signatureHalfLifeDays))
    }

    /// A worker's or scheduler's `/health/live`, `/health/ready` and `/metrics` on `port` (none when nil).
    static func operationsEndpoint(store: SQLStore, configuration: OrchestratorConfiguration, port: Int?, logger: Logger,
                                   announce: @escaping @Sendable (String) -> Void) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        guard let port else { return [] }
        let clock = SystemClock()
        let dependencies = serverDependencies(store: store, configuration: configuration, metrics: HTTPMetrics(registry: PrometheusCollectorRegistry()), clock: clock)
        let host = configuration.host
        return [.init(service: APIServer.operationsApplication(dependencies, host: host, port: port, logger: logger) { bound in
            announce("Metrics: http://\(host):\(bound)/metrics   Health: http://\(host):\(bound)/health/ready")
        })]
    }

    /// First-start work: sample data into an empty database and a usable admin key.
    static func prepare(store: SQLStore, configuration: OrchestratorConfiguration, clock: any TradingClock, logger: Logger,
                        announce: @Sendable (String) -> Void) async throws {
        if configuration.importSampleData {
            let start = ContinuousClock.now
            let summaries = try await MarketDataImporter(store: store).importSampleDataIfEmpty()
            if !summaries.isEmpty {
                let bars = summaries.reduce(0) { $0 + $1.inserted }
                logger.info("imported sample data", metadata: [
                    "series": .stringConvertible(summaries.count), "bars": .stringConvertible(bars),
                    "seconds": .string(String(describing: ContinuousClock.now - start)),
                ])
                announce("Imported the bundled sample data: \(summaries.count) series, \(bars) bars.")
                // The import parsed ~7 MB of CSV; hand the freed heap back so the long-running
                // server's resident memory reflects what it uses, not what start-up used.
                MemoryTrim.releaseFreeHeap()
            }
        }
        let issuer = APIKeyIssuer(store: store, clock: clock)
        if let key = configuration.adminKey {
            let record = try await issuer.register(name: "configured admin", role: .admin, key: key)
            if !record.isActive { logger.warning("the configured admin key was revoked; it will not authenticate") }
        } else if try await store.activeAPIKeyCount(role: .admin) == 0 {
            let issued = try await issuer.issue(name: "initial admin", role: .admin)
            announce("Created the first admin API key. It is shown only this once; store it now:")
            announce("  \(issued.key)")
            logger.notice("created the first admin API key", metadata: ["key_id": .stringConvertible(issued.record.id),
                                                                        "prefix": .string(issued.record.prefix)])
        }
    }
}

/// Keeps the store open while the service runs and closes it after the server has drained.
struct StoreService: Service {
    let store: SQLStore

    func run() async throws {
        try? await gracefulShutdown()
        try await store.close()
    }
}

/// Copies the live feed's and venue's figures into `/metrics` every second.
struct VenueMetricsService: Service {
    let status: @Sendable () async -> VenueStatus?
    let metrics: VenueMetrics
    let clock: any TradingClock

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let current = await status() { metrics.record(current, now: clock.now()) }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
