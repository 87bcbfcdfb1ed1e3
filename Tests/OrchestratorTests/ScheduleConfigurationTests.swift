import Foundation
import Orchestrator
import TestSupport
import Testing
import TradingEngine

@Suite("Schedules in the file the configuration names")
struct ScheduleConfigurationTests {
    static func load(_ json: String) async throws -> OrchestratorConfiguration {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = directory.file("schedules.json")
        try json.write(toFile: file, atomically: true, encoding: .utf8)
        return try await ConfigurationLoader.load(overrides: ["scheduler.schedules_file": file], environment: [:], configFile: nil)
    }

    @Test("cron and interval schedules are read with their kinds and payloads")
    func valid() async throws {
        let configuration = try await Self.load("""
            {"schedules": [{"name": "nightly-backtest", "cron": "30 2 * * 1-5", "kind": "backtest", "payload": {"symbol": "SP500"}},
                           {"name": "heartbeat", "every_seconds": 60, "kind": "noop"}]}
            """)
        #expect(configuration.schedules.map(\.name) == ["nightly-backtest", "heartbeat"])
        #expect(configuration.schedules[0].payload == #"{"symbol":"SP500"}"#)
        #expect(configuration.schedules[1].timing == .every(.seconds(60)))
    }

    @Test("the product's own schedules run by default, a configured schedule of the same name replaces one, and an interval of 0 leaves one out")
    func builtInSchedules() async throws {
        let defaults = try await ConfigurationLoader.load(overrides: [:], environment: [:], configFile: nil)
        #expect(defaults.scheduledJobs.map(\.name) == ["security-database-update", "feedback-optimize", "model-retraining"])
        #expect(defaults.scheduledJobs.map(\.kind) == ["security_database_update", "feedback_optimize", "model_retraining"])
        #expect(defaults.scheduledJobs.map(\.timing) == [.every(.seconds(86_400)), .every(.seconds(86_400)), .every(.seconds(604_800))])
        let replaced = try await Self.load(#"{"schedules": [{"name": "feedback-optimize", "cron": "15 3 * * 0", "kind": "feedback_optimize"}]}"#)
        #expect(replaced.scheduledJobs.map(\.name) == ["feedback-optimize", "security-database-update", "model-retraining"])
        #expect(replaced.scheduledJobs.first?.timing != .every(.seconds(86_400)))
        let off = try await ConfigurationLoader.load(overrides: ["feedback.optimize_interval_hours": "0", "security.update_interval_hours": "6",
                                                                 "feedback.retrain_interval_hours": "0"],
                                                     environment: [:], configFile: nil)
        #expect(off.scheduledJobs.map(\.name) == ["security-database-update"] && off.scheduledJobs.first?.timing == .every(.seconds(21_600)))
    }

    @Test("a malformed cron, an unknown job kind or a schedule with both timings is refused naming the entry", arguments: [
        (#"{"schedules": [{"name": "x", "cron": "61 * * * *", "kind": "noop"}]}"#, "schedules[0].cron"),
        (#"{"schedules": [{"name": "x", "cron": "* * * * *", "kind": "launch_rockets"}]}"#, "schedules[0].kind"),
        (#"{"schedules": [{"name": "x", "cron": "* * * * *", "every_seconds": 5, "kind": "noop"}]}"#, "schedules[0]"),
        (#"{"schedules": [{"name": "x", "every_seconds": 5, "kind": "noop"}, {"name": "x", "every_seconds": 9, "kind": "noop"}]}"#, "schedules[1].name"),
    ])
    func invalid(json: String, key: String) async throws {
        do {
            _ = try await Self.load(json)
            Issue.record("accepted \(json)")
        } catch let error as ConfigurationError {
            #expect(error.key == key, "\(error)")
        }
    }
}
