import Foundation
import Logging
import ServiceLifecycle
import Storage
import TradingCore
import TradingEngine

/// Runs the scheduler every second until shutdown, then gives the lease up so another scheduler
/// takes over at once rather than after the lease expires.
struct SchedulerService: Service {
    let scheduler: Scheduler
    let clock: any TradingClock
    let logger: Logger

    func run() async throws {
        var leading = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                // The lease is renewed by this machine's timer: its length on the clock follows the clock's pace.
                var paced = scheduler
                paced.lease = clock.span(ofWall: scheduler.lease)
                let pass = try await paced.tick(at: clock.now())
                if pass.leading != leading {
                    leading = pass.leading
                    logger.info(leading ? "scheduler leads" : "scheduler follows", metadata: ["holder": .string(scheduler.holder)])
                }
                for (schedule, tick) in pass.fired {
                    logger.info("schedule fired", metadata: ["schedule": .string(schedule), "tick": .string(tick.iso8601)])
                }
            } catch {
                logger.error("scheduler pass failed", metadata: ["reason": .string(String(describing: error))])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
        }
        try? await scheduler.resign()
    }
}

/// `orchestrator scheduler`: runs the scheduler until SIGTERM; with `--port`, it serves only
/// `/health/live`, `/health/ready` and `/metrics`.
public enum SchedulerCommand {
    /// Runs until shutdown.
    public static func run(_ configuration: OrchestratorConfiguration, port: Int? = nil, clock source: ProcessClock = .system, logger: Logger,
                           announce: @escaping @Sendable (String) -> Void) async throws {
        let (clock, keeper) = try await source.start(configuration, logger: logger, announce: announce)
        let store = try await StoreFactory.open(configuration, logger: logger)
        let holder = ProcessName.of(role: "scheduler")
        announce("Scheduler \(holder): \(configuration.scheduledJobs.count) schedule(s): \(configuration.scheduledJobs.map(\.name).joined(separator: ", "))")
        var scheduler = Scheduler(store: store, holder: holder, schedules: configuration.scheduledJobs)
        scheduler.lease = .seconds(configuration.schedulerLeaseSeconds)
        let service = SchedulerService(scheduler: scheduler, clock: clock, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: StoreService(store: store))]
                + ServeCommand.operationsEndpoint(store: store, configuration: configuration, port: port, logger: logger, announce: announce)
                + (keeper.map { [$0] } ?? []) + [.init(service: MemoryTrimService(), serviceName: "memory-trim"), .init(service: service, serviceName: "scheduler")],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
