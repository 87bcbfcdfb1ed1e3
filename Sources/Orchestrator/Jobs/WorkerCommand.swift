import Foundation
import Logging
import ServiceLifecycle
import Storage

/// `orchestrator worker`: runs jobs from the shared store until SIGTERM (with `--port`, serving only
/// `/health/live`, `/health/ready` and `/metrics`). Any
/// number of workers can share one PostgreSQL; on SQLite, use the worker inside `orchestrator run`.
public enum WorkerCommand {
    /// Runs a worker until shutdown.
    public static func run(_ configuration: OrchestratorConfiguration, concurrency: Int, port: Int? = nil, clock source: ProcessClock = .system, logger: Logger,
                           announce: @escaping @Sendable (String) -> Void) async throws {
        let (clock, keeper) = try await source.start(configuration, logger: logger, announce: announce)
        let store = try await StoreFactory.open(configuration, logger: logger)
        let name = ProcessName.of(role: "worker")
        var worker = JobWorker(store: store, name: name, concurrency: concurrency,
                               handlers: JobKinds.all(store: store, configuration: configuration, clock: clock, logger: logger),
                               clock: clock, logger: logger)
        worker.lease = .seconds(configuration.jobLeaseSeconds)
        worker.idlePoll = .milliseconds(configuration.jobPollMilliseconds)
        let observations = ServeCommand.signatureObservations(configuration)
        worker.observations = observations
        let signatures = observations.map {
            [ServeCommand.signatureService(store: store, observations: $0, configuration: configuration,
                                           role: "worker:\(ServeCommand.instanceName(port: port))", logger: logger)]
        } ?? []
        announce("Worker \(name): \(concurrency) at a time, kinds \(JobKinds.names.sorted().joined(separator: ", ")).")
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: StoreService(store: store))]
                + ServeCommand.operationsEndpoint(store: store, configuration: configuration, port: port, logger: logger, announce: announce)
                + signatures + (keeper.map { [$0] } ?? []) + [.init(service: MemoryTrimService(), serviceName: "memory-trim"), .init(service: worker, serviceName: "job-worker")],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
