import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import SecuritySupervisor
import Synchronization
import TestSupport
import Testing

/// The Prometheus, Alertmanager and Grafana files under deploy/: valid for promtool and amtool,
/// their alerts unit-tested, every supervisor level raised by a rule and delivered by a real
/// Alertmanager to a webhook, and every metric they name exported by a running `orchestrator run`.
@Suite("Monitoring configuration", .serialized)
struct MonitoringConfigTests {
    static let deploy = TestEnvironment.repositoryRoot.appendingPathComponent("deploy")

    static var promtool: String? {
        ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// amtool, Alertmanager's checker (Debian package prometheus-alertmanager).
    static var amtool: String? {
        ["/usr/bin/amtool", "/usr/local/bin/amtool"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The Alertmanager server: Debian names it prometheus-alertmanager, the official release alertmanager.
    static var alertmanager: String? {
        ["/usr/bin/prometheus-alertmanager", "/usr/local/bin/alertmanager", "/usr/bin/alertmanager"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The rules' severities: the supervisor's alert levels in lower case, each routed to the receiver webhook-<severity>.
    static let severities = AlertLevel.allCases.map { $0.rawValue.lowercased() }

    /// The placeholder webhook URL of deploy/alertmanager/alertmanager.yml, replaced by a local listener in the end-to-end test.
    static let placeholderWebhook = "http://alert-webhook.invalid/alertmanager"

    static func run(_ executable: String, _ arguments: [String], in folder: URL) async throws -> (Int32, String) {
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let handle = pipe.fileHandleForReading
        let output = String(decoding: try await offPool { handle.readToEndRetrying() }, as: UTF8.self)
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

    @Test("every supervisor alert level has a rule in alerts.yml raising it at its own severity, and no rule uses another")
    func everyLevelHasARule() throws {
        let rules = try String(contentsOf: Self.deploy.appendingPathComponent("prometheus/alerts.yml"), encoding: .utf8)
        let severities = Set(rules.matches(of: /severity: (\w+)/).map { String($0.output.1) })
        #expect(severities == Set(Self.severities))
        for level in AlertLevel.allCases {
            #expect(rules.contains("orchestrator_security_alerts_open{level=\"\(level.rawValue)\"} > 0"), "no rule on the open \(level.rawValue) alerts")
        }
    }

    @Test("amtool accepts alertmanager.yml, and its routes send each severity to its own receiver",
          .enabled(if: amtool != nil || ProcessInfo.processInfo.environment["REQUIRE_AMTOOL"] == "1"))
    func amtoolChecks() async throws {
        let amtool = try #require(Self.amtool, "amtool is required (REQUIRE_AMTOOL=1) but not installed: apt-get install prometheus-alertmanager")
        let folder = Self.deploy.appendingPathComponent("alertmanager")
        let (status, output) = try await Self.run(amtool, ["check-config", "alertmanager.yml"], in: folder)
        #expect(status == 0, "amtool check-config alertmanager.yml: \(output)")
        var routes = Self.severities.map { severity in (label: "severity=\(severity)", receiver: "webhook-\(severity)") }
        routes.append((label: "severity=unknown", receiver: "webhook-default"))
        for route in routes {
            let arguments = ["config", "routes", "test", "--config.file=alertmanager.yml", "--verify.receivers=\(route.receiver)",
                             "alertname=OrchestratorTargetDown", "instance=run:8080", route.label]
            let (status, output) = try await Self.run(amtool, arguments, in: folder)
            #expect(status == 0 && output.contains(route.receiver), "amtool \(arguments.joined(separator: " ")): \(output)")
        }
    }

    /// One alert of a notification the webhook received: the receiver that sent it and the alert's labels.
    struct WebhookDelivery {
        let receiver: String
        let labels: [String: String]
    }

    /// The alerts of the notifications the webhook received (Alertmanager's webhook format, version 4).
    static func deliveries(_ bodies: [String]) -> [WebhookDelivery] {
        bodies.flatMap { body -> [WebhookDelivery] in
            guard let notification = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                  let receiver = notification["receiver"] as? String,
                  let alerts = notification["alerts"] as? [[String: Any]] else { return [] }
            return alerts.map { WebhookDelivery(receiver: receiver, labels: $0["labels"] as? [String: String] ?? [:]) }
        }
    }

    /// Whether the URL answers 200 within the given number of seconds (polled every 200 ms).
    static func answers(_ url: URL, within seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let answer = try? await URLSession.shared.data(from: url)
            if (answer?.1 as? HTTPURLResponse)?.statusCode == 200 { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    @Test("a real Alertmanager with alertmanager.yml posts an alert of each severity to the webhook through that severity's receiver, and a target down holds back the other alerts of its instance",
          .enabled(if: alertmanager != nil || ProcessInfo.processInfo.environment["REQUIRE_AMTOOL"] == "1"))
    func alertmanagerDelivers() async throws {
        let alertmanager = try #require(Self.alertmanager, "Alertmanager is required (REQUIRE_AMTOOL=1) but not installed: apt-get install prometheus-alertmanager")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let webhook = WebhookStub()
        let server = Task(executorPreference: StubExecutor.shared) { try await webhook.application(failures: 0).runService() }
        defer { server.cancel() }
        while webhook.port.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(20)) }
        let listening = webhook.port.withLock { $0 }

        // The committed file, its webhook pointed at the stub and every wait cut to a second.
        let original = try String(contentsOf: Self.deploy.appendingPathComponent("alertmanager/alertmanager.yml"), encoding: .utf8)
        #expect(original.contains(Self.placeholderWebhook), "alertmanager.yml no longer holds the placeholder webhook URL")
        let configuration = original
            .replacingOccurrences(of: Self.placeholderWebhook, with: "http://127.0.0.1:\(listening)/hook")
            .replacing(/group_wait: \w+/, with: "group_wait: 1s")
            .replacing(/group_interval: \w+/, with: "group_interval: 1s")
        let configurationPath = try directory.write("alertmanager.yml", configuration)

        let port = try await LaunchScriptTests.freePort()
        let log = directory.file("alertmanager.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: alertmanager)
        // One instance: no gossip cluster (its default port 9094 could be taken).
        process.arguments = ["--config.file=\(configurationPath)", "--storage.path=\(directory.file("data"))",
                             "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address="]
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
            try? logHandle.close()
        }
        let base = "http://127.0.0.1:\(port)"
        let readyURL = try #require(URL(string: "\(base)/-/ready"))
        let ready = await Self.answers(readyURL, within: 20)
        let startLog = ready ? "" : ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        try #require(ready, "Alertmanager did not answer on \(base) within 20 s: \(startLog)")

        // One alert per severity, each of its own instance; and a target down with another alert of its instance.
        var alerts: [[String: Any]] = Self.severities.map { severity -> [String: Any] in
            ["labels": ["alertname": "MonitoringConfigTest", "severity": severity, "instance": "test-\(severity):8080"],
             "annotations": ["summary": "a \(severity) alert from MonitoringConfigTests"]]
        }
        alerts.append(["labels": ["alertname": "OrchestratorTargetDown", "severity": "critical", "instance": "down:8080", "job": "orchestrator-api"]])
        alerts.append(["labels": ["alertname": "OrchestratorHighLatencyP99", "severity": "warning", "instance": "down:8080", "job": "orchestrator-api"]])
        let alertsURL = try #require(URL(string: "\(base)/api/v2/alerts"))
        var request = URLRequest(url: alertsURL)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: alerts)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)

        // Each severity arrives through its own receiver, and the target down through the critical one, within 20 s.
        var routed: Set<String> = []
        var targetDownSent = false
        let deadline = Date().addingTimeInterval(20)
        repeat {
            let deliveries = Self.deliveries(webhook.bodies.withLock { $0 })
            routed = Set(deliveries.compactMap { delivery -> String? in
                guard delivery.labels["alertname"] == "MonitoringConfigTest", let severity = delivery.labels["severity"],
                      delivery.receiver == "webhook-\(severity)" else { return nil }
                return severity
            })
            targetDownSent = deliveries.contains { $0.labels["alertname"] == "OrchestratorTargetDown" && $0.receiver == "webhook-critical" }
            if routed == Set(Self.severities) && targetDownSent { break }
            try await Task.sleep(for: .milliseconds(200))
        } while Date() < deadline
        let bodies = webhook.bodies.withLock { $0 }
        #expect(routed == Set(Self.severities), "delivered through their own receivers: \(routed.sorted()); the webhook got \(bodies)")
        #expect(targetDownSent, "the target down was not delivered through webhook-critical; the webhook got \(bodies)")

        // The latency alert of the instance that is down is suppressed by the inhibition rule, and was never sent.
        let (data, _) = try await URLSession.shared.data(from: alertsURL)
        let listed = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let latency = try #require(listed.first { ($0["labels"] as? [String: String])?["alertname"] == "OrchestratorHighLatencyP99" })
        let latencyStatus = latency["status"] as? [String: Any]
        #expect((latencyStatus?["state"] as? String) == "suppressed", "the latency alert of down:8080: \(latency)")
        #expect(((latencyStatus?["inhibitedBy"] as? [String]) ?? []).count == 1)
        let sent = Self.deliveries(webhook.bodies.withLock { $0 })
        #expect(!sent.contains { $0.labels["alertname"] == "OrchestratorHighLatencyP99" }, "the inhibited latency alert was sent")
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
        let process = ChildProcess()
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
