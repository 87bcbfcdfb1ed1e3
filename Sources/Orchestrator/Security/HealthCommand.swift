import Foundation
import Logging
import SecuritySupervisor
import TradingCore

/// `orchestrator health`: the supervisor's checks, once.
public enum HealthCommand {
    /// Runs the checks against the configured store and endpoints.
    public static func run(_ configuration: OrchestratorConfiguration, logger: Logger) async throws -> (output: AdministrationCommands.Output, failed: Bool) {
        let store = try await StoreFactory.open(configuration, logger: logger)
        let clock = SystemClock()
        let (results, milliseconds) = await SecuritySweeper(configuration: configuration, store: store, logger: logger, clock: clock, metrics: nil).checkOnce()
        try? await store.close()
        let json = SecuritySweeper.health(time: clock.now(), checks: results, milliseconds: milliseconds)
        let rows = results.map { [$0.name, $0.status.rawValue, $0.value.map { HealthCheckResult.format(($0 * 100).rounded() / 100) } ?? "-", $0.threshold, $0.message] }
        let failed = results.contains { $0.status == .failed }
        let worst = results.map(\.status).max() ?? .ok
        return (AdministrationCommands.Output(json: json, columns: ["check", "status", "value", "threshold", "message"], rows: rows,
                                              footer: String(format: "%d checks in %.1f ms, worst %@", results.count, milliseconds, worst.rawValue)), failed)
    }
}
