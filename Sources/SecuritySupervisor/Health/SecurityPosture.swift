/// The security posture of the running service: facts gathered by the probes, judged here.
public struct SecurityPosture: Sendable {
    /// A file whose permissions matter (configuration, secrets, the database).
    public struct FileFacts: Sendable, Hashable {
        public let path: String
        /// The permission bits (`0o644`).
        public let mode: UInt32
        public let holdsSecrets: Bool

        /// Creates the facts of a file.
        public init(path: String, mode: UInt32, holdsSecrets: Bool) {
            self.path = path
            self.mode = mode
            self.holdsSecrets = holdsSecrets
        }
    }

    public var userID: UInt32
    /// The address the API binds.
    public var bindHost: String
    /// Whether the API itself terminates TLS (it does not yet: a proxy must).
    public var servesTLS: Bool
    public var files: [FileFacts]
    /// The configured admin key, if one is configured (judged, never printed).
    public var configuredAdminKey: String?
    public var logLevel: String
    /// Whether `/metrics` and `/health` answer without a key.
    public var openMetrics: Bool
    public var dockerSocketReachable: Bool

    /// Creates the facts.
    public init(userID: UInt32, bindHost: String, servesTLS: Bool, files: [FileFacts], configuredAdminKey: String?, logLevel: String,
                openMetrics: Bool, dockerSocketReachable: Bool) {
        self.userID = userID
        self.bindHost = bindHost
        self.servesTLS = servesTLS
        self.files = files
        self.configuredAdminKey = configuredAdminKey
        self.logLevel = logLevel
        self.openMetrics = openMetrics
        self.dockerSocketReachable = dockerSocketReachable
    }

    /// Keys that are guesses, not secrets.
    static let weakKeys: Set<String> = ["changeme", "change-me", "admin", "password", "secret", "test", "token", "default", "letmein"]

    /// Whether the host is a loopback address.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// One result per posture rule; a problem is DEGRADED (it costs score points), never hidden.
    public func evaluate() -> [HealthCheckResult] {
        var results: [HealthCheckResult] = []
        func add(_ name: String, _ problem: String?, threshold: String, fine: String) {
            results.append(HealthCheckResult(name: "posture.\(name)", status: problem == nil ? .ok : .degraded, value: nil, threshold: threshold,
                                             message: problem ?? fine))
        }
        add("user", userID == 0 ? "the service runs as root: a compromise gets the whole machine; run it as an unprivileged user" : nil,
            threshold: "not root", fine: "runs as uid \(userID)")
        let exposed = !Self.isLoopback(bindHost) && !servesTLS
        add("binding", exposed ? "the API listens on \(bindHost) without TLS: keys travel in clear text unless a TLS proxy is in front; bind 127.0.0.1 behind the proxy" : nil,
            threshold: "loopback, or TLS", fine: Self.isLoopback(bindHost) ? "listens on loopback only (\(bindHost))" : "serves TLS")
        let readable = files.filter { $0.mode & 0o004 != 0 && $0.holdsSecrets }.map(\.path)
        let writable = files.filter { $0.mode & 0o002 != 0 }.map(\.path)
        var fileProblems: [String] = []
        if !readable.isEmpty { fileProblems.append("world-readable: \(readable.joined(separator: ", "))") }
        if !writable.isEmpty { fileProblems.append("world-writable: \(writable.joined(separator: ", "))") }
        add("files", fileProblems.isEmpty ? nil : fileProblems.joined(separator: "; ") + " (chmod 600)", threshold: "secrets not world-readable, nothing world-writable",
            fine: "\(files.count) file(s) checked")
        var keyProblem: String?
        if let key = configuredAdminKey {
            let bare = key.hasPrefix("tok_") ? String(key.dropFirst(4)) : key
            if bare.count < 32 { keyProblem = "the configured admin key has \(bare.count) characters; use 32 or more (orchestrator apikey create makes 43)" }
            else if Self.weakKeys.contains(bare.lowercased()) || Set(bare).count < 8 { keyProblem = "the configured admin key is guessable (a word or a repeated character)" }
        }
        add("api_key", keyProblem, threshold: "no short or guessable configured key", fine: configuredAdminKey == nil ? "no key configured in files or the environment" : "the configured key is long and varied")
        add("debug", ["debug", "trace"].contains(logLevel.lowercased()) ? "log level \(logLevel): debug logs may carry request details; use info in production" : nil,
            threshold: "log level info or above", fine: "log level \(logLevel)")
        add("metrics", openMetrics && !Self.isLoopback(bindHost) ? "/metrics answers without a key on \(bindHost)" : nil,
            threshold: "no open metrics on a public address", fine: openMetrics ? "open metrics on loopback" : "metrics need a key")
        add("docker_socket", dockerSocketReachable ? "the Docker engine socket is reachable: whoever controls this process controls the host" : nil,
            threshold: "no Docker socket", fine: "no Docker engine socket reachable")
        return results
    }
}
