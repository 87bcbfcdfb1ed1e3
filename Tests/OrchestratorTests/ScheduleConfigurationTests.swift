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
