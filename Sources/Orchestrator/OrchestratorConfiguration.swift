import Configuration
import Foundation
import Logging
import SystemPackage
import TradingEngine

/// Every setting of the service, read from defaults < config file < environment < command-line flags.
public struct OrchestratorConfiguration: Sendable {
    /// Address the HTTP server binds to.
    public var host: String
    /// Port the HTTP server listens on.
    public var port: Int
    /// Folder for the SQLite database and other local state.
    public var dataDirectory: String
    /// `postgres://…` to use PostgreSQL; nil for the embedded SQLite database.
    public var databaseURL: String?
    /// Most PostgreSQL connections per process.
    public var databasePoolSize: Int
    /// Seconds a PostgreSQL query or transaction may go unanswered before it fails (a driver left waiting on a lost connection).
    public var databaseOperationTimeoutSeconds: Int = 30
    /// PostgreSQL connections each process keeps open when idle (below `databasePoolSize`).
    public var databasePoolMinimum: Int = 0
    /// Seconds between the keep-alive queries of an idle PostgreSQL connection; 0: none.
    public var databaseKeepAliveSeconds: Int = 30
    /// Largest request body accepted, in bytes.
    public var maximumBodyBytes: Int
    /// Whether `/health/*` answers without a key.
    public var openHealth: Bool
    /// Whether `/metrics` answers without a key.
    public var openMetrics: Bool
    /// How long an API-key check is remembered.
    public var keyCacheSeconds: Int
    /// An admin key to make sure exists at start-up (never printed).
    public var adminKey: String?
    /// The secret that signs the dashboard's session cookies (shared by every API process); nil:
    /// a random one per process.
    public var sessionSecret: String?
    /// How long a dashboard session lasts, in hours.
    public var sessionHours = 12
    /// The memory bound of the prediction routes' cache, in MiB.
    public var predictionCacheMegabytes = 64
    /// Whether the bundled sample data is imported into an empty database at start-up.
    public var importSampleData: Bool
    /// The least severe log level written.
    public var logLevel: Logger.Level
    /// `json` (one object per line) or `text`.
    public var logFormat: LogFormat
    /// The configuration file read, when one exists (its permissions are part of the security posture).
    public var configFilePath: String?
    /// The security supervisor's settings.
    public var security = SecuritySettings()
    /// The OSV database folder scanned at each sweep and filled by `scan update`: `security.osv_db`,
    /// else `<data.dir>/osv` (a missing or empty folder is a database problem the score counts against).
    public var osvDatabaseFolder: String { security.osvDatabase ?? (dataDirectory as NSString).appendingPathComponent("osv") }

    /// Jobs queued on a timetable by the scheduler (`schedules` in the configuration file).
    public var schedules: [Schedule] = []

    /// The schedules the product ships with, each unless a configured schedule has its name: the
    /// vulnerability database's update (`security.update_interval_hours`) and the re-tuning of the
    /// confidence thresholds (`feedback.optimize_interval_hours`) and the scheduled model retraining
    /// (`feedback.retrain_interval_hours`); an interval of 0 leaves one out.
    public var builtInSchedules: [Schedule] {
        var schedules: [Schedule] = []
        if security.updateIntervalHours > 0 {
            schedules.append(Schedule(name: "security-database-update", timing: .every(.seconds(security.updateIntervalHours * 3600)), kind: "security_database_update"))
        }
        if feedbackOptimizeIntervalHours > 0 {
            schedules.append(Schedule(name: "feedback-optimize", timing: .every(.seconds(feedbackOptimizeIntervalHours * 3600)), kind: "feedback_optimize"))
        }
        if feedbackRetrainIntervalHours > 0 {
            schedules.append(Schedule(name: "model-retraining", timing: .every(.seconds(feedbackRetrainIntervalHours * 3600)), kind: ModelRetraining.kind))
        }
        return schedules
    }

    /// What the scheduler runs: the configured schedules and the built-in ones they do not replace.
    public var scheduledJobs: [Schedule] {
        let named = Set(schedules.map(\.name))
        return schedules + builtInSchedules.filter { !named.contains($0.name) }
    }
    /// How long a worker's claim on a job lasts without renewal (a dead worker's jobs wait this long).
    public var jobLeaseSeconds = 30
    /// How often an idle worker looks for jobs.
    public var jobPollMilliseconds = 50
    /// How long the scheduler's leadership lasts without renewal.
    public var schedulerLeaseSeconds = 15
    /// Seconds between feedback scoring cycles in serve and run (0: none; a scheduled
    /// `feedback_scoring` job can do it instead).
    public var feedbackScoreIntervalSeconds = 60
    /// Hours between the built-in `feedback_optimize` jobs that re-tune the confidence thresholds (0: none).
    public var feedbackOptimizeIntervalHours = 24
    /// Hours between the built-in `model_retraining` jobs that put a challenger fitted on the newest
    /// bars in trial for every stream without one (0: none; drifts still start trials).
    public var feedbackRetrainIntervalHours = 168
    /// Seconds of each window the system signatures count and judge (0: no signatures kept).
    public var signatureWindowSeconds = 300
    /// Days after which a system signature's observations count half.
    public var signatureHalfLifeDays = 7

    /// Where the Binance connector talks to (keys come from the environment, never from here).
    public var binance = BinanceSettings()

    /// The Binance endpoints: public market data of the real exchange and trading on the testnet by
    /// default; real-money trading needs `live` and the real URLs.
    public struct BinanceSettings: Sendable {
        /// Market-data REST (klines, exchangeInfo, server time).
        public var restURL = "https://api.binance.com"
        /// The market-data streams.
        public var streamURL = "wss://stream.binance.com:9443"
        /// The WebSocket API (account events).
        public var webSocketAPIURL: String?
        /// Signed REST (orders, account); nil: the testnet, or `restURL` when it was set.
        public var tradingRESTURL: String?
        /// Whether orders may go to the real exchange.
        public var live = false
        /// How long the exchange may take to receive a signed request (its `recvWindow`), in milliseconds.
        public var receiveWindowMilliseconds: Int64 = 5_000

        /// Defaults.
        public init() {}
    }

    /// Where the Alpaca connector talks to (keys come from the environment, never from here).
    public var alpaca = AlpacaSettings()

    /// The Alpaca endpoints: real market data and the paper account by default; the live trading
    /// endpoint (real money) needs `live`.
    public struct AlpacaSettings: Sendable {
        /// Market-data REST (stock and crypto bars).
        public var dataURL = "https://data.alpaca.markets"
        /// The market-data stream's base (`/v2/iex`, `/v2/sip` or `/v1beta3/crypto/us` is appended).
        public var streamURL = "wss://stream.data.alpaca.markets"
        /// Trading REST (orders, account, assets, clock, calendar); nil: the paper account's (the live one with `live`).
        public var tradingURL: String?
        /// The `trade_updates` stream; nil: the paper account's (the live one with `live`).
        public var tradingStreamURL: String?
        /// The stock bars' feed: `iex` (free) or `sip` (a paid plan).
        public var feed = "iex"
        /// Whether orders may go to the live (real-money) trading endpoint.
        public var live = false

        /// Defaults.
        public init() {}
    }

    /// How the security supervisor runs.
    public struct SecuritySettings: Sendable {
        /// Seconds between two sweeps of the health checks (0: no sweeps).
        public var checkIntervalSeconds = 60
        /// The time limit of one check.
        public var checkTimeoutSeconds = 5
        /// `host:port` endpoints whose DNS and TCP connect are checked.
        public var endpoints: [String] = []
        /// The OSV database folder set by `security.osv_db` (nil: `OrchestratorConfiguration.osvDatabaseFolder`'s default).
        public var osvDatabase: String?
        /// Where `scan update` fetches the archives from.
        public var osvURL = SecuritySettings.publicOSVURL
        /// Hours between the built-in `scan update` jobs (0: none).
        public var updateIntervalHours = 24
        /// OSV's public bucket.
        public static let publicOSVURL = "https://osv-vulnerabilities.storage.googleapis.com"
        /// What a CRITICAL or SECURITY alert does to trading: none, reduce or halt.
        public var riskAction = "none"
        /// A URL that receives every new alert as a JSON POST (retried).
        public var webhookURL: String?

        /// Defaults.
        public init() {}
    }

    /// How log lines are written.
    public enum LogFormat: String, Sendable, CaseIterable {
        case json
        case text
    }

    /// The SQLite file inside the data folder.
    public var sqlitePath: String { (dataDirectory as NSString).appendingPathComponent("orchestrator.sqlite") }

    /// One documented setting: its key, environment variable, default and meaning (README table).
    public struct Setting: Sendable {
        public let key: String
        public let environment: String
        public let defaultValue: String
        public let meaning: String
    }

    /// Every setting, for the README and `--help`.
    public static let settings: [Setting] = [
        Setting(key: "http.host", environment: "ORCHESTRATOR_HTTP_HOST", defaultValue: "127.0.0.1", meaning: "address to bind (`serve --host`)"),
        Setting(key: "http.port", environment: "ORCHESTRATOR_HTTP_PORT", defaultValue: "8080", meaning: "port, 0 to 65535; 0 picks a free one (`serve --port`)"),
        Setting(key: "http.max_body_bytes", environment: "ORCHESTRATOR_HTTP_MAX_BODY_BYTES", defaultValue: "1048576", meaning: "largest request body, 1 KiB to 64 MiB"),
        Setting(key: "data.dir", environment: "ORCHESTRATOR_DATA_DIR", defaultValue: "./data", meaning: "folder of the SQLite database (`--data-dir`)"),
        Setting(key: "database.url", environment: "DATABASE_URL", defaultValue: "(none: SQLite)", meaning: "postgres://user:password@host:5432/db?sslmode=disable switches to PostgreSQL (`--database-url`)"),
        Setting(key: "database.pool_size", environment: "ORCHESTRATOR_DATABASE_POOL_SIZE", defaultValue: "10", meaning: "PostgreSQL connections per process, 1 to 200"),
        Setting(key: "database.operation_timeout_seconds", environment: "ORCHESTRATOR_DATABASE_OPERATION_TIMEOUT_SECONDS", defaultValue: "30",
                meaning: "seconds a PostgreSQL query or transaction may go unanswered before it fails, 1 to 3600"),
        Setting(key: "database.pool_minimum", environment: "ORCHESTRATOR_DATABASE_POOL_MINIMUM", defaultValue: "0",
                meaning: "PostgreSQL connections a process keeps open when idle, 0 to pool_size - 1 (each connection opened on demand waits its idle timer's minute, and keeps the timer's memory that long; see docs/deployment.md)"),
        Setting(key: "database.keep_alive_seconds", environment: "ORCHESTRATOR_DATABASE_KEEP_ALIVE_SECONDS", defaultValue: "30",
                meaning: "seconds between the `SELECT 1` checks of an idle PostgreSQL connection, 0 for none, up to 3600"),
        Setting(key: "auth.open_health", environment: "ORCHESTRATOR_AUTH_OPEN_HEALTH", defaultValue: "true", meaning: "serve /health/* without a key"),
        Setting(key: "auth.open_metrics", environment: "ORCHESTRATOR_AUTH_OPEN_METRICS", defaultValue: "true", meaning: "serve /metrics without a key"),
        Setting(key: "auth.key_cache_seconds", environment: "ORCHESTRATOR_AUTH_KEY_CACHE_SECONDS", defaultValue: "5", meaning: "how long a key check is cached, 0 to 300; a key revoked elsewhere stops working within this time"),
        Setting(key: "auth.admin_key", environment: "ORCHESTRATOR_AUTH_ADMIN_KEY", defaultValue: "(none)", meaning: "an admin key (32+ characters) created at start-up if missing; otherwise a first admin key is generated and printed once"),
        Setting(key: "auth.session_secret", environment: "ORCHESTRATOR_AUTH_SESSION_SECRET", defaultValue: "(random per process)", meaning: "32 to 256 characters that sign the dashboard's session cookies; give every API process the same one, or sessions end when a process restarts and are refused by the others"),
        Setting(key: "auth.session_hours", environment: "ORCHESTRATOR_AUTH_SESSION_HOURS", defaultValue: "12", meaning: "how long a dashboard session lasts, 1 to 720 hours"),
        Setting(key: "prediction.cache_mb", environment: "ORCHESTRATOR_PREDICTION_CACHE_MB", defaultValue: "64", meaning: "memory bound of the forecasts and regimes an API process keeps until their bars change, 1 to 4096 MiB"),
        Setting(key: "sample_data.import", environment: "ORCHESTRATOR_SAMPLE_DATA_IMPORT", defaultValue: "true", meaning: "import the bundled sample data into an empty database at start-up"),
        Setting(key: "log.level", environment: "ORCHESTRATOR_LOG_LEVEL", defaultValue: "info", meaning: "trace, debug, info, notice, warning, error or critical"),
        Setting(key: "log.format", environment: "ORCHESTRATOR_LOG_FORMAT", defaultValue: "json", meaning: "json (one object per line) or text"),
        Setting(key: "security.check_interval_seconds", environment: "ORCHESTRATOR_SECURITY_CHECK_INTERVAL_SECONDS", defaultValue: "60", meaning: "seconds between health-check sweeps of serve and run, 0 to 86400; 0 turns sweeps off"),
        Setting(key: "security.check_timeout_seconds", environment: "ORCHESTRATOR_SECURITY_CHECK_TIMEOUT_SECONDS", defaultValue: "5", meaning: "time limit of one health check, 1 to 60 s"),
        Setting(key: "security.endpoints", environment: "ORCHESTRATOR_SECURITY_ENDPOINTS", defaultValue: "(none)", meaning: "comma-separated host:port venue endpoints whose DNS and TCP connect are checked"),
        Setting(key: "security.osv_db", environment: "ORCHESTRATOR_SECURITY_OSV_DB", defaultValue: "<data.dir>/osv", meaning: "OSV database folder scanned against Package.resolved and the dpkg status at each sweep; `orchestrator scan update` fills it"),
        Setting(key: "security.osv_url", environment: "ORCHESTRATOR_SECURITY_OSV_URL", defaultValue: OrchestratorConfiguration.SecuritySettings.publicOSVURL, meaning: "where `scan update` fetches <ecosystem>/all.zip archives from (OSV's public bucket, or a mirror)"),
        Setting(key: "security.update_interval_hours", environment: "ORCHESTRATOR_SECURITY_UPDATE_INTERVAL_HOURS", defaultValue: "24", meaning: "hours between the built-in scheduled `scan update` jobs (schedule security-database-update), 0 to 720; 0 turns it off"),
        Setting(key: "security.risk_action", environment: "ORCHESTRATOR_SECURITY_RISK_ACTION", defaultValue: "none", meaning: "what a CRITICAL or SECURITY alert does to trading: none, reduce or halt"),
        Setting(key: "jobs.lease_seconds", environment: "ORCHESTRATOR_JOBS_LEASE_SECONDS", defaultValue: "30", meaning: "how long a worker's claim on a job lasts unrenewed; a dead worker's jobs are retried after it, 2 to 3600"),
        Setting(key: "jobs.poll_milliseconds", environment: "ORCHESTRATOR_JOBS_POLL_MILLISECONDS", defaultValue: "50", meaning: "how often an idle worker looks for due jobs, 1 to 10000"),
        Setting(key: "scheduler.lease_seconds", environment: "ORCHESTRATOR_SCHEDULER_LEASE_SECONDS", defaultValue: "15", meaning: "how long scheduler leadership lasts unrenewed; another scheduler takes over after it, 2 to 3600"),
        Setting(key: "scheduler.schedules_file", environment: "ORCHESTRATOR_SCHEDULER_SCHEDULES_FILE", defaultValue: "schedules.json (if present)", meaning: "JSON file {\"schedules\": [{\"name\", \"cron\" or \"every_seconds\", \"kind\", \"payload\"}]} of jobs the scheduler queues"),
        Setting(key: "feedback.optimize_interval_hours", environment: "ORCHESTRATOR_FEEDBACK_OPTIMIZE_INTERVAL_HOURS", defaultValue: "24", meaning: "hours between the built-in `feedback_optimize` jobs (schedule feedback-optimize) that re-tune the confidence thresholds, 0 to 720; 0 turns it off"),
        Setting(key: "feedback.retrain_interval_hours", environment: "ORCHESTRATOR_FEEDBACK_RETRAIN_INTERVAL_HOURS", defaultValue: "168", meaning: "hours between the built-in `model_retraining` jobs (schedule model-retraining) that put a challenger fitted on the newest bars in trial for every stream without one, 0 to 8760; 0 turns it off (drifts still start trials)"),
        Setting(key: "feedback.signature_window_seconds", environment: "ORCHESTRATOR_FEEDBACK_SIGNATURE_WINDOW_SECONDS", defaultValue: "300", meaning: "seconds of each window in which every process counts its API routes, job runs and venue requests and judges them against their system signatures, 0 to 300; 0 keeps no signatures"),
        Setting(key: "feedback.signature_half_life_days", environment: "ORCHESTRATOR_FEEDBACK_SIGNATURE_HALF_LIFE_DAYS", defaultValue: "7", meaning: "days after which an observation counts half in a system signature, 1 to 365"),
        Setting(key: "feedback.score_interval_seconds", environment: "ORCHESTRATOR_FEEDBACK_SCORE_INTERVAL_SECONDS", defaultValue: "60", meaning: "seconds between feedback scoring cycles of serve and run (forecasts whose horizon ended are scored, drift detectors fed), 0 to 86400; 0 turns them off"),
        Setting(key: "security.webhook_url", environment: "ORCHESTRATOR_SECURITY_WEBHOOK_URL", defaultValue: "(none)", meaning: "http(s) URL that receives each new alert as a JSON POST, retried 3 times"),
        Setting(key: "venues.binance.rest_url", environment: "ORCHESTRATOR_VENUES_BINANCE_REST_URL", defaultValue: "https://api.binance.com", meaning: "Binance REST for market data (klines, exchangeInfo, time); also for trading when trading_rest_url is not set and this is set"),
        Setting(key: "venues.binance.ws_stream_url", environment: "ORCHESTRATOR_VENUES_BINANCE_WS_STREAM_URL", defaultValue: "wss://stream.binance.com:9443", meaning: "Binance market-data streams (one combined kline connection)"),
        Setting(key: "venues.binance.ws_api_url", environment: "ORCHESTRATOR_VENUES_BINANCE_WS_API_URL", defaultValue: "the testnet's (the real one with live)", meaning: "Binance WebSocket API (account events)"),
        Setting(key: "venues.binance.trading_rest_url", environment: "ORCHESTRATOR_VENUES_BINANCE_TRADING_REST_URL", defaultValue: "https://testnet.binance.vision", meaning: "Binance REST for signed calls (orders, account); the testnet unless set"),
        Setting(key: "venues.binance.live", environment: "ORCHESTRATOR_VENUES_BINANCE_LIVE", defaultValue: "false", meaning: "allow orders on the real exchange (real money); without it trading URLs of the real exchange are refused"),
        Setting(key: "venues.binance.receive_window_ms", environment: "ORCHESTRATOR_VENUES_BINANCE_RECEIVE_WINDOW_MS", defaultValue: "5000", meaning: "Binance's recvWindow for signed requests, 1 to 60000 ms: how late after its timestamp the exchange still accepts one (raise it for a stub exchange on an accelerated clock)"),
        Setting(key: "venues.alpaca.data_url", environment: "ORCHESTRATOR_VENUES_ALPACA_DATA_URL", defaultValue: "https://data.alpaca.markets", meaning: "Alpaca market-data REST (stock and crypto bars)"),
        Setting(key: "venues.alpaca.stream_url", environment: "ORCHESTRATOR_VENUES_ALPACA_STREAM_URL", defaultValue: "wss://stream.data.alpaca.markets", meaning: "Alpaca market-data stream base (/v2/iex, /v2/sip or /v1beta3/crypto/us is appended)"),
        Setting(key: "venues.alpaca.trading_url", environment: "ORCHESTRATOR_VENUES_ALPACA_TRADING_URL", defaultValue: "https://paper-api.alpaca.markets (https://api.alpaca.markets with live)", meaning: "Alpaca trading REST (orders, account, assets, clock, calendar)"),
        Setting(key: "venues.alpaca.trading_stream_url", environment: "ORCHESTRATOR_VENUES_ALPACA_TRADING_STREAM_URL", defaultValue: "wss://paper-api.alpaca.markets/stream (wss://api.alpaca.markets/stream with live)", meaning: "Alpaca trade_updates stream"),
        Setting(key: "venues.alpaca.feed", environment: "ORCHESTRATOR_VENUES_ALPACA_FEED", defaultValue: "iex", meaning: "stock bars feed: iex (free plan) or sip (paid plan)"),
        Setting(key: "venues.alpaca.live", environment: "ORCHESTRATOR_VENUES_ALPACA_LIVE", defaultValue: "false", meaning: "allow orders on the live (real-money) trading endpoint; without it https://api.alpaca.markets is refused"),
    ]
}

/// A setting with a value that cannot be used; names the key, where to set it and what is accepted.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The setting's key.
    public let key: String
    /// What values are accepted.
    public let accepted: String
    /// What was wrong, when more than "invalid".
    public let problem: String?

    public var description: String {
        let environment = OrchestratorConfiguration.settings.first { $0.key == key }?.environment
        return "invalid configuration: \(key)\(environment.map { " (environment \($0))" } ?? ""): "
            + (problem.map { "\($0); " } ?? "") + "accepted values: \(accepted)"
    }
}

/// Reads the configuration layers with apple/swift-configuration.
public enum ConfigurationLoader {
    /// The config file read when none is named and it exists.
    public static let defaultConfigFile = "orchestrator.json"

    /// Loads and validates the configuration.
    ///
    /// - Parameters:
    ///   - overrides: values from command-line flags, by key (highest priority).
    ///   - environment: the process environment.
    ///   - configFile: a JSON file named by `--config` or `ORCHESTRATOR_CONFIG`; it must exist when named.
    public static func load(overrides: [String: String], environment: [String: String], configFile: String?) async throws -> OrchestratorConfiguration {
        let namedFile = configFile ?? environment["ORCHESTRATOR_CONFIG"]
        let filePath = namedFile ?? defaultConfigFile
        if let namedFile, !FileManager.default.fileExists(atPath: namedFile) {
            throw ConfigurationError(key: "config", accepted: "a readable JSON file", problem: "the file \(namedFile) does not exist")
        }
        let file: FileProvider<JSONSnapshot>
        do {
            file = try await FileProvider<JSONSnapshot>(
                parsingOptions: .init(secretsSpecifier: .specific(["auth.admin_key", "auth.session_secret", "database.url", "security.webhook_url"])),
                filePath: FilePath(filePath), allowMissing: namedFile == nil)
        } catch {
            throw ConfigurationError(key: "config", accepted: "a JSON object such as {\"http\": {\"port\": 8080}}",
                                     problem: "\(filePath) cannot be read as JSON")
        }
        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "command line", values: Dictionary(uniqueKeysWithValues: overrides.map {
                (AbsoluteConfigKey(stringLiteral: $0.key), ConfigValue(.string($0.value), isSecret: $0.key == "database.url"))
            })),
            EnvironmentVariablesProvider(environmentVariables: translatedEnvironment(environment),
                                         secretsSpecifier: .specific(["AUTH_ADMIN_KEY", "AUTH_SESSION_SECRET", "DATABASE_URL", "SECURITY_WEBHOOK_URL"])),
            file,
        ])
        var configuration = try read(reader)
        configuration.configFilePath = FileManager.default.fileExists(atPath: filePath) ? filePath : nil
        // The configuration provider reads no lists of objects, so schedules live in a file of
        // their own that the configuration names (scheduler.schedules_file).
        let named = reader.string(forKey: "scheduler.schedules_file").flatMap { $0.isEmpty ? nil : $0 }
        let schedulesFile = named ?? "schedules.json"
        if let data = FileManager.default.contents(atPath: schedulesFile) {
            configuration.schedules = try schedules(fromConfigFile: data)
        } else if let named {
            throw ConfigurationError(key: "scheduler.schedules_file", accepted: "a readable JSON file", problem: "\(named) does not exist")
        }
        return configuration
    }

    /// The job kinds a schedule may name (those the workers handle).
    public static var schedulableKinds: Set<String> { JobKinds.names }

    /// `"schedules": [{"name", "cron" or "every_seconds", "kind", "payload"}]` of the configuration file.
    static func schedules(fromConfigFile data: Data) throws -> [Schedule] {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let list = root["schedules"] else { return [] }
        guard let entries = list as? [[String: Any]] else {
            throw ConfigurationError(key: "schedules", accepted: "a list of {\"name\", \"cron\" or \"every_seconds\", \"kind\", \"payload\"}", problem: "not a list of objects")
        }
        var names: Set<String> = []
        return try entries.enumerated().map { index, entry in
            let key = "schedules[\(index)]"
            guard let name = entry["name"] as? String, !name.isEmpty, names.insert(name).inserted else {
                throw ConfigurationError(key: key + ".name", accepted: "a unique non-empty name", problem: nil)
            }
            guard let kind = entry["kind"] as? String, schedulableKinds.contains(kind) else {
                throw ConfigurationError(key: key + ".kind", accepted: schedulableKinds.sorted().joined(separator: ", "), problem: "got \(entry["kind"].map { "\($0)" } ?? "nothing")")
            }
            let timing: Schedule.Timing
            switch (entry["cron"] as? String, entry["every_seconds"] as? Int) {
            case (.some(let text), nil):
                do {
                    timing = .cron(try CronExpression(text))
                } catch {
                    throw ConfigurationError(key: key + ".cron", accepted: "five fields: minute hour day-of-month month day-of-week", problem: (error as? CronExpression.ParseError)?.reason ?? "\(error)")
                }
            case (nil, .some(let seconds)) where seconds >= 1:
                timing = .every(.seconds(seconds))
            default:
                throw ConfigurationError(key: key, accepted: "exactly one of cron (text) and every_seconds (a positive integer)", problem: nil)
            }
            var payload = "{}"
            if let value = entry["payload"] {
                guard JSONSerialization.isValidJSONObject(value), let bytes = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) else {
                    throw ConfigurationError(key: key + ".payload", accepted: "a JSON object", problem: nil)
                }
                payload = String(decoding: bytes, as: UTF8.self)
            }
            return Schedule(name: name, timing: timing, kind: kind, payload: payload)
        }
    }

    /// Maps `ORCHESTRATOR_HTTP_PORT` to `HTTP_PORT` (the provider's name for `http.port`), and keeps `DATABASE_URL`.
    static func translatedEnvironment(_ environment: [String: String]) -> [String: String] {
        var translated: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix("ORCHESTRATOR_") {
            translated[String(name.dropFirst("ORCHESTRATOR_".count))] = value
        }
        if translated["DATABASE_URL"] == nil, let url = environment["DATABASE_URL"] { translated["DATABASE_URL"] = url }
        return translated
    }

    private static func read(_ reader: ConfigReader) throws -> OrchestratorConfiguration {
        let host = try string(reader, "http.host", default: "127.0.0.1")
        guard !host.isEmpty else { throw ConfigurationError(key: "http.host", accepted: "a host name or IP address", problem: "empty") }
        let url = try string(reader, "database.url", default: "", secret: true)
        let levelText = try string(reader, "log.level", default: "info")
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ConfigurationError(key: "log.level", accepted: Logger.Level.allCases.map(\.rawValue).joined(separator: ", "), problem: "got '\(levelText)'")
        }
        let formatText = try string(reader, "log.format", default: "json")
        guard let format = OrchestratorConfiguration.LogFormat(rawValue: formatText) else {
            throw ConfigurationError(key: "log.format", accepted: "json, text", problem: "got '\(formatText)'")
        }
        let adminKey = try string(reader, "auth.admin_key", default: "", secret: true)
        if !adminKey.isEmpty && !APIKeyCodec.looksLikeKey(adminKey) {
            throw ConfigurationError(key: "auth.admin_key", accepted: "32 to 256 visible ASCII characters, such as a key from `orchestrator apikey create`", problem: nil)
        }
        let sessionSecret = try string(reader, "auth.session_secret", default: "", secret: true)
        if !sessionSecret.isEmpty && !(32...256).contains(sessionSecret.utf8.count) {
            throw ConfigurationError(key: "auth.session_secret", accepted: "32 to 256 characters", problem: nil)
        }
        let dataDirectory = try string(reader, "data.dir", default: "./data")
        guard !dataDirectory.isEmpty else { throw ConfigurationError(key: "data.dir", accepted: "a folder path", problem: "empty") }
        var security = OrchestratorConfiguration.SecuritySettings()
        security.checkIntervalSeconds = try integer(reader, "security.check_interval_seconds", default: 60, range: 0...86_400)
        security.checkTimeoutSeconds = try integer(reader, "security.check_timeout_seconds", default: 5, range: 1...60)
        let endpoints = try string(reader, "security.endpoints", default: "")
        security.endpoints = endpoints.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for endpoint in security.endpoints {
            guard let colon = endpoint.lastIndex(of: ":"), UInt16(endpoint[endpoint.index(after: colon)...]) != nil, colon != endpoint.startIndex else {
                throw ConfigurationError(key: "security.endpoints", accepted: "host:port pairs separated by commas", problem: "'\(endpoint)'")
            }
        }
        let osv = try string(reader, "security.osv_db", default: "")
        security.osvDatabase = osv.isEmpty ? nil : osv
        security.osvURL = try string(reader, "security.osv_url", default: OrchestratorConfiguration.SecuritySettings.publicOSVURL)
        guard URL(string: security.osvURL)?.scheme.map({ ["http", "https"].contains($0) }) == true else {
            throw ConfigurationError(key: "security.osv_url", accepted: "an http or https URL", problem: "got '\(security.osvURL)'")
        }
        security.updateIntervalHours = try integer(reader, "security.update_interval_hours", default: 24, range: 0...720)
        security.riskAction = try string(reader, "security.risk_action", default: "none")
        guard ["none", "reduce", "halt"].contains(security.riskAction) else {
            throw ConfigurationError(key: "security.risk_action", accepted: "none, reduce or halt", problem: "got '\(security.riskAction)'")
        }
        let webhook = try string(reader, "security.webhook_url", default: "", secret: true)
        if !webhook.isEmpty, URL(string: webhook)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw ConfigurationError(key: "security.webhook_url", accepted: "an http or https URL", problem: nil)
        }
        security.webhookURL = webhook.isEmpty ? nil : webhook
        var configuration = OrchestratorConfiguration(
            host: host,
            port: try integer(reader, "http.port", default: 8080, range: 0...65535),
            dataDirectory: dataDirectory,
            databaseURL: url.isEmpty ? nil : url,
            databasePoolSize: try integer(reader, "database.pool_size", default: 10, range: 1...200),
            databaseOperationTimeoutSeconds: try integer(reader, "database.operation_timeout_seconds", default: 30, range: 1...3600),
            maximumBodyBytes: try integer(reader, "http.max_body_bytes", default: 1 << 20, range: 1024...(64 << 20)),
            openHealth: try boolean(reader, "auth.open_health", default: true),
            openMetrics: try boolean(reader, "auth.open_metrics", default: true),
            keyCacheSeconds: try integer(reader, "auth.key_cache_seconds", default: 5, range: 0...300),
            adminKey: adminKey.isEmpty ? nil : adminKey,
            importSampleData: try boolean(reader, "sample_data.import", default: true),
            logLevel: level,
            logFormat: format)
        configuration.security = security
        configuration.sessionSecret = sessionSecret.isEmpty ? nil : sessionSecret
        configuration.sessionHours = try integer(reader, "auth.session_hours", default: 12, range: 1...720)
        configuration.databasePoolMinimum = try integer(reader, "database.pool_minimum", default: 0, range: 0...(configuration.databasePoolSize - 1))
        configuration.databaseKeepAliveSeconds = try integer(reader, "database.keep_alive_seconds", default: 30, range: 0...3600)
        configuration.predictionCacheMegabytes = try integer(reader, "prediction.cache_mb", default: 64, range: 1...4096)
        configuration.jobLeaseSeconds = try integer(reader, "jobs.lease_seconds", default: 30, range: 2...3600)
        configuration.jobPollMilliseconds = try integer(reader, "jobs.poll_milliseconds", default: 50, range: 1...10_000)
        configuration.schedulerLeaseSeconds = try integer(reader, "scheduler.lease_seconds", default: 15, range: 2...3600)
        configuration.feedbackScoreIntervalSeconds = try integer(reader, "feedback.score_interval_seconds", default: 60, range: 0...86_400)
        configuration.feedbackOptimizeIntervalHours = try integer(reader, "feedback.optimize_interval_hours", default: 24, range: 0...720)
        configuration.feedbackRetrainIntervalHours = try integer(reader, "feedback.retrain_interval_hours", default: 168, range: 0...8760)
        // At most five minutes: the supervisor's leader takes an observer's alerts unseen for ten minutes for abandoned,
        // and a pass refreshes them once a window; a failed pass must not lose them.
        configuration.signatureWindowSeconds = try integer(reader, "feedback.signature_window_seconds", default: 300, range: 0...300)
        configuration.signatureHalfLifeDays = try integer(reader, "feedback.signature_half_life_days", default: 7, range: 1...365)
        configuration.binance = try binance(reader)
        configuration.alpaca = try alpaca(reader)
        return configuration
    }

    /// A URL setting of one of `schemes` with a host; nil when not set.
    private static func url(_ reader: ConfigReader, _ key: String, schemes: [String]) throws -> String? {
        let text = try string(reader, key, default: "")
        guard !text.isEmpty else { return nil }
        guard let scheme = URL(string: text)?.scheme, schemes.contains(scheme), URL(string: text)?.host != nil else {
            throw ConfigurationError(key: key, accepted: "a \(schemes.joined(separator: " or ")) URL", problem: "got '\(text)'")
        }
        return text
    }

    private static func alpaca(_ reader: ConfigReader) throws -> OrchestratorConfiguration.AlpacaSettings {
        var settings = OrchestratorConfiguration.AlpacaSettings()
        settings.dataURL = try url(reader, "venues.alpaca.data_url", schemes: ["http", "https"]) ?? settings.dataURL
        settings.streamURL = try url(reader, "venues.alpaca.stream_url", schemes: ["ws", "wss"]) ?? settings.streamURL
        settings.tradingURL = try url(reader, "venues.alpaca.trading_url", schemes: ["http", "https"])
        settings.tradingStreamURL = try url(reader, "venues.alpaca.trading_stream_url", schemes: ["ws", "wss"])
        settings.feed = try string(reader, "venues.alpaca.feed", default: settings.feed)
        guard ["iex", "sip"].contains(settings.feed) else {
            throw ConfigurationError(key: "venues.alpaca.feed", accepted: "iex or sip", problem: "got '\(settings.feed)'")
        }
        settings.live = try boolean(reader, "venues.alpaca.live", default: false)
        return settings
    }

    private static func binance(_ reader: ConfigReader) throws -> OrchestratorConfiguration.BinanceSettings {
        var settings = OrchestratorConfiguration.BinanceSettings()
        func url(_ key: String, schemes: [String]) throws -> String? { try Self.url(reader, key, schemes: schemes) }
        let rest = try url("venues.binance.rest_url", schemes: ["http", "https"])
        settings.restURL = rest ?? settings.restURL
        settings.streamURL = try url("venues.binance.ws_stream_url", schemes: ["ws", "wss"]) ?? settings.streamURL
        settings.webSocketAPIURL = try url("venues.binance.ws_api_url", schemes: ["ws", "wss"])
        settings.tradingRESTURL = try url("venues.binance.trading_rest_url", schemes: ["http", "https"]) ?? rest
        settings.live = try boolean(reader, "venues.binance.live", default: false)
        settings.receiveWindowMilliseconds = Int64(try integer(reader, "venues.binance.receive_window_ms", default: 5_000, range: 1...60_000))
        return settings
    }

    private static func string(_ reader: ConfigReader, _ key: String, default defaultValue: String, secret: Bool = false) throws -> String {
        if let text = reader.string(forKey: ConfigKey(stringLiteral: key), isSecret: secret) { return text }
        // Present but not text (a JSON number or list where text belongs) is an error, not the default.
        if reader.int(forKey: ConfigKey(stringLiteral: key)) != nil || reader.bool(forKey: ConfigKey(stringLiteral: key)) != nil {
            throw ConfigurationError(key: key, accepted: "a string", problem: "the value is not a string")
        }
        return defaultValue
    }

    private static func integer(_ reader: ConfigReader, _ key: String, default defaultValue: Int, range: ClosedRange<Int>) throws -> Int {
        let accepted = "an integer from \(range.lowerBound) to \(range.upperBound)"
        let value: Int
        // Text first (environment, flags): the typed read would silently give nil for "abc".
        if let text = reader.string(forKey: ConfigKey(stringLiteral: key)) {
            guard let parsed = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigurationError(key: key, accepted: accepted, problem: "got '\(text)'")
            }
            value = parsed
        } else if let number = reader.int(forKey: ConfigKey(stringLiteral: key)) {
            value = number
        } else {
            return defaultValue
        }
        guard range.contains(value) else { throw ConfigurationError(key: key, accepted: accepted, problem: "got \(value)") }
        return value
    }

    private static func boolean(_ reader: ConfigReader, _ key: String, default defaultValue: Bool) throws -> Bool {
        if let text = reader.string(forKey: ConfigKey(stringLiteral: key)) {
            switch text.lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0": return false
            default: throw ConfigurationError(key: key, accepted: "true, false, yes, no, 1, 0", problem: "got '\(text)'")
            }
        }
        return reader.bool(forKey: ConfigKey(stringLiteral: key)) ?? defaultValue
    }
}
