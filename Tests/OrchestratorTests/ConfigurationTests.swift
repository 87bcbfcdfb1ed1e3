import Foundation
import Orchestrator
import TestSupport
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    @Test("defaults apply when nothing is set")
    func defaults() async throws {
        let configuration = try await ConfigurationLoader.load(overrides: [:], environment: [:], configFile: nil)
        #expect(configuration.host == "127.0.0.1" && configuration.port == 8080 && configuration.dataDirectory == "./data")
        #expect(configuration.databaseURL == nil && configuration.openHealth && configuration.openMetrics)
        #expect(configuration.maximumBodyBytes == 1 << 20 && configuration.logLevel == .info && configuration.logFormat == .json)
    }

    @Test("a flag beats the environment, which beats the file, which beats the default")
    func precedence() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("config.json", #"{"http": {"port": 7000, "host": "0.0.0.0", "max_body_bytes": 2048}, "log": {"level": "debug"}}"#)
        let fromFile = try await ConfigurationLoader.load(overrides: [:], environment: [:], configFile: file)
        #expect(fromFile.port == 7000 && fromFile.host == "0.0.0.0" && fromFile.maximumBodyBytes == 2048 && fromFile.logLevel == .debug)
        let environment = ["ORCHESTRATOR_HTTP_PORT": "9000", "DATABASE_URL": "postgres://u@h/db", "ORCHESTRATOR_LOG_FORMAT": "text"]
        let fromEnvironment = try await ConfigurationLoader.load(overrides: [:], environment: environment, configFile: file)
        #expect(fromEnvironment.port == 9000 && fromEnvironment.host == "0.0.0.0")
        #expect(fromEnvironment.databaseURL == "postgres://u@h/db" && fromEnvironment.logFormat == .text)
        let fromFlags = try await ConfigurationLoader.load(overrides: ["http.port": "9100", "data.dir": "/tmp/x"], environment: environment, configFile: file)
        #expect(fromFlags.port == 9100 && fromFlags.dataDirectory == "/tmp/x")
    }

    @Test("the config file can be named in the environment")
    func configFromEnvironment() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("c.json", #"{"auth": {"open_metrics": false, "key_cache_seconds": 0}}"#)
        let configuration = try await ConfigurationLoader.load(overrides: [:], environment: ["ORCHESTRATOR_CONFIG": file], configFile: nil)
        #expect(!configuration.openMetrics && configuration.keyCacheSeconds == 0)
    }

    @Test("an invalid value stops start-up naming the key and the accepted values", arguments: [
        (["ORCHESTRATOR_HTTP_PORT": "abc"], "http.port", "an integer from 0 to 65535"),
        (["ORCHESTRATOR_HTTP_PORT": "70000"], "http.port", "an integer from 0 to 65535"),
        (["ORCHESTRATOR_LOG_LEVEL": "loud"], "log.level", "trace, debug, info"),
        (["ORCHESTRATOR_LOG_FORMAT": "xml"], "log.format", "json, text"),
        (["ORCHESTRATOR_AUTH_OPEN_HEALTH": "maybe"], "auth.open_health", "true, false"),
        (["ORCHESTRATOR_HTTP_MAX_BODY_BYTES": "10"], "http.max_body_bytes", "an integer from 1024"),
        (["ORCHESTRATOR_AUTH_ADMIN_KEY": "short"], "auth.admin_key", "32 to 256"),
        (["ORCHESTRATOR_DATABASE_POOL_SIZE": "0"], "database.pool_size", "from 1 to 200"),
        (["ORCHESTRATOR_DATABASE_POOL_MINIMUM": "10"], "database.pool_minimum", "from 0 to 9"),
        (["ORCHESTRATOR_DATABASE_POOL_SIZE": "4", "ORCHESTRATOR_DATABASE_POOL_MINIMUM": "4"], "database.pool_minimum", "from 0 to 3"),
        (["ORCHESTRATOR_DATABASE_KEEP_ALIVE_SECONDS": "-1"], "database.keep_alive_seconds", "from 0 to 3600"),
    ])
    func invalidValues(environment: [String: String], key: String, accepted: String) async throws {
        do {
            _ = try await ConfigurationLoader.load(overrides: [:], environment: environment, configFile: nil)
            Issue.record("accepted \(environment)")
        } catch let error as ConfigurationError {
            #expect(error.key == key)
            #expect(error.description.contains(key) && error.description.contains(accepted), "\(error)")
            #expect(!error.description.contains("short"), "an admin key must not be echoed")
        }
    }

    @Test("a wrongly typed file value or a missing named file is an error, not a silent default")
    func fileErrors() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let wrong = try directory.write("wrong.json", #"{"http": {"port": "eighty"}}"#)
        await #expect(throws: ConfigurationError.self) { try await ConfigurationLoader.load(overrides: [:], environment: [:], configFile: wrong) }
        let broken = try directory.write("broken.json", #"{"http": "#)
        await #expect(throws: ConfigurationError.self) { try await ConfigurationLoader.load(overrides: [:], environment: [:], configFile: broken) }
        await #expect(throws: ConfigurationError.self) {
            try await ConfigurationLoader.load(overrides: [:], environment: [:], configFile: directory.file("missing.json"))
        }
    }
}
