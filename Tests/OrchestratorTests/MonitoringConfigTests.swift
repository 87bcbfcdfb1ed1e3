import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

/// The Prometheus and Grafana files under deploy/: valid for promtool, their alerts unit-tested,
/// and every metric they name exported by a running `orchestrator run`.
@Suite("Monitoring configuration", .serialized)
struct MonitoringConfigTests {
    static let deploy = TestEnvironment.repositoryRoot.appendingPathComponent("deploy")

    static var promtool: String? {
        ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ executable: String, _ arguments: [String], in folder: URL) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let handle = pipe.fileHandleForReading
        let output = String(decoding: try await offPool { handle.readDataToEndOfFile() }, as: UTF8.self)
        await process.exited()
        return (process.terminationStatus, output)
    }

    @Test("promtool accepts prometheus.yml and alerts.yml, and the alert unit tests pass",
          .enabled(if: promtool != nil || ProcessInfo.processInfo.environment["REQUIRE_PROMTOOL"] == "1"))
    func promtoolChecks() async throws {
        let promtool = try #require(Self.promtool, "promtool is required (REQUIRE_PROMTOOL=1) but not installed: apt-get install prometheus")
        let folder = Self.deploy.appendingPathComponent("prometheus")
        for arguments in [["check", "config", "prometheus.yml"], ["check", "rules", "alerts.yml"], ["test", "rules", "alerts.test.yml"]] {
            let (status, output) = try await Self.run(promtool, arguments, in: folder)
            #expect(status == 0, "promtool \(arguments.joined(separator: " ")): \(output)")
        }
    }

    /// Metric names in PromQL expressions (ours and the process's; `up` is Prometheus's own).
    static func metricNames(in text: String) -> Set<String> {
        Set(text.matches(of: /\b((?:orchestrator|process)_[a-z0-9_]+)\b/).map { String($0.output.1) })
    }

    @Test("every metric the dashboard and the alert rules name is exported by a running orchestrator run")
    func metricsExist() async throws {
        let dashboard = try String(contentsOf: Self.deploy.appendingPathComponent("grafana/dashboards/orchestrator.json"), encoding: .utf8)
        let rules = try String(contentsOf: Self.deploy.appendingPathComponent("prometheus/alerts.yml"), encoding: .utf8)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(dashboard.utf8)) as? [String: Any])
        let rows = (json["panels"] as? [[String: Any]] ?? []).filter { $0["type"] as? String == "row" }.compactMap { $0["title"] as? String }
        #expect(rows == ["System", "API", "Trading", "Models", "Security"])
        let named = Self.metricNames(in: dashboard).union(Self.metricNames(in: rules))
        #expect(named.count > 20)

        let folder = try await CrashSafetyTests.preparedFolder()
        defer { folder.remove() }
        let output = Pipe()
        let process = Process()
        process.executableURL = CommandLineTests.executable
        process.arguments = ["run", "--data-dir", folder.path, "--symbols", "SP500,NASDAQCOMP", "--speed", "400", "--port", "0", "--report-every", "20"]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("ORCHESTRATOR_") && $0.key != "DATABASE_URL" }
        environment["ORCHESTRATOR_SAMPLE_DATA_IMPORT"] = "false"
        environment["ORCHESTRATOR_SECURITY_CHECK_INTERVAL_SECONDS"] = "1"
        environment["ORCHESTRATOR_FEEDBACK_SCORE_INTERVAL_SECONDS"] = "1"
        process.environment = environment
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var text = ""
        let deadline = Date().addingTimeInterval(90)
        // Past bar 320 the models are fitted, so forecasts and decisions have been counted too.
        while !text.contains("bar 321/") && Date() < deadline {
            let chunk = await output.fileHandleForReading.availableDataOffPool()
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("API:") })
        let port = try #require(line.firstMatch(of: /127\.0\.0\.1:(\d+)/)?.output.1)
        _ = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health/live")!)
        // The feedback gauges exist once a scoring cycle (every second here) has scored a forecast.
        var exposition = ""
        let scored = Date().addingTimeInterval(60)
        repeat {
            let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            exposition = String(decoding: data, as: UTF8.self)
            if exposition.contains("orchestrator_feedback_accuracy{") { break }
            try await Task.sleep(for: .milliseconds(250))
        } while Date() < scored
        // Families as declared by TYPE lines; a histogram's _bucket, _sum and _count belong to its family.
        let families = Set(exposition.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.compactMap { $0.split(separator: " ").dropFirst(2).first.map(String.init) })
        for name in named.sorted() {
            let family = ["_bucket", "_sum", "_count"].reduce(name) { $0.hasSuffix($1) && !families.contains($0) ? String($0.dropLast($1.count)) : $0 }
            #expect(families.contains(family), "\(name) is named in deploy/ but not exported")
        }
    }
}
