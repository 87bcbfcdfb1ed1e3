import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SecuritySupervisor
import Synchronization
import TradingEngine

/// The probes behind the health checks: they read `/proc`, `statvfs`, the database and the
/// network, and hand the figures to `SecuritySupervisor`'s pure grading.
public enum SystemProbes {
    static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// CPU use since the previous sweep's sample (no waiting: the first sweep reports the load
    /// only) and the load per CPU.
    public final class CPU: HealthCheck {
        public let name = "cpu"
        private let previous = Mutex<(busy: UInt64, total: UInt64)?>(nil)
        public init() {}
        public func run() async throws -> [HealthCheckResult] {
            let processors = ProcessInfo.processInfo.activeProcessorCount
            var results: [HealthCheckResult] = []
            if let now = read("/proc/stat").flatMap(SystemReadings.cpuTimes) {
                let before = previous.withLock { value in
                    defer { value = now }
                    return value
                }
                if let before, let usage = SystemReadings.cpuUsage(from: before, to: now) {
                    results.append(.graded("cpu.usage", value: usage, warn: 85, fail: 97, unit: " %") { _ in String(format: "%.1f %% busy since the previous sweep", usage) })
                }
            }
            if let load = read("/proc/loadavg") { results.append(SystemReadings.loadCheck(loadavg: load, processors: processors)) }
            guard !results.isEmpty else { throw ProbeError(description: "/proc/stat and /proc/loadavg are unreadable (not Linux?)") }
            return results
        }
    }

    /// The share of this process's HTTP requests answered with a 5xx since the previous sweep (in
    /// %, over at least `minimumRequests` requests; fewer say nothing): trended with the latency.
    public final class HTTPErrors: HealthCheck {
        public let name = "http.error_rate"
        let totals: @Sendable () -> (answered: Int, serverErrors: Int)
        let minimumRequests: Int
        private let previous = Mutex<(answered: Int, serverErrors: Int)?>(nil)
        /// Creates the check over a source of running totals.
        public init(minimumRequests: Int = 20, totals: @escaping @Sendable () -> (answered: Int, serverErrors: Int)) {
            self.minimumRequests = minimumRequests
            self.totals = totals
        }
        public func run() async throws -> [HealthCheckResult] {
            let now = totals()
            let before = previous.withLock { value in
                defer { value = now }
                return value ?? (0, 0)
            }
            let requests = now.answered - before.answered
            guard requests >= minimumRequests else { return [] }
            let errors = now.serverErrors - before.serverErrors
            let rate = Double(errors) / Double(requests) * 100
            return [.graded(name, value: rate, warn: 1, fail: 5, unit: " %") { _ in
                String(format: "%d of %d requests answered 5xx since the previous sweep (%.2f %%)", errors, requests, rate)
            }]
        }
    }

    /// Memory in use.
    public struct Memory: HealthCheck {
        public let name = "memory"
        public init() {}
        public func run() async throws -> [HealthCheckResult] {
            guard let text = read("/proc/meminfo") else { throw ProbeError(description: "/proc/meminfo is unreadable") }
            return [SystemReadings.memoryCheck(meminfo: text)]
        }
    }

    /// Space and inodes of the file system holding the data folder.
    public struct Disk: HealthCheck {
        public let name = "disk"
        public let path: String
        public init(path: String) { self.path = path }
        public func run() async throws -> [HealthCheckResult] {
            // The data folder may not exist yet (a role on PostgreSQL never creates it): the file
            // system it would live on is that of its nearest existing ancestor.
            var measured = URL(fileURLWithPath: path).standardizedFileURL
            while !FileManager.default.fileExists(atPath: measured.path), measured.path != "/" { measured.deleteLastPathComponent() }
            var figures = statvfs()
            guard statvfs(measured.path, &figures) == 0 else {
                throw ProbeError(description: "statvfs(\(measured.path)) failed: \(String(cString: strerror(errno)))")
            }
            return SystemReadings.diskChecks(path: path, blocks: UInt64(figures.f_blocks), blocksAvailable: UInt64(figures.f_bavail),
                                             inodes: UInt64(figures.f_files), inodesFree: UInt64(figures.f_ffree), blockSize: UInt64(figures.f_frsize))
        }
    }

    /// The process's memory, threads and open files.
    public struct Process: HealthCheck {
        public let name = "process"
        public init() {}
        public func run() async throws -> [HealthCheckResult] {
            guard let status = read("/proc/self/status") else { throw ProbeError(description: "/proc/self/status is unreadable") }
            let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
            var limit = rlimit()
            let known = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 && limit.rlim_cur != rlim_t.max
            return SystemReadings.processChecks(status: status, openFiles: open, openFileLimit: known ? UInt64(limit.rlim_cur) : nil)
        }
    }

    /// Database round trip, pool saturation and the migration version.
    public struct Database: HealthCheck {
        public let name = "database"
        public let store: any StoreHealth
        public init(store: any StoreHealth) { self.store = store }
        public func run() async throws -> [HealthCheckResult] {
            let latency = try await store.ping()
            let milliseconds = latency.milliseconds
            let version = try await store.schemaVersion()
            let pool = store.poolStatistics()
            let saturation = pool.maximumConnections > 0 ? Double(pool.operationsInFlight) / Double(pool.maximumConnections) * 100 : 0
            return [
                .graded("database.latency", value: milliseconds, warn: 50, fail: 500, unit: " ms") { _ in String(format: "round trip %.2f ms", milliseconds) },
                .graded("database.pool", value: saturation, warn: 80, fail: 100, unit: " %") { _ in "\(pool.operationsInFlight) of \(pool.maximumConnections) connections busy" },
                HealthCheckResult(name: "database.schema", status: version == store.latestSchemaVersion ? .ok : .failed, value: Double(version),
                                  threshold: "version \(store.latestSchemaVersion)",
                                  message: version == store.latestSchemaVersion ? "schema version \(version) is current" : "schema version \(version); this build needs \(store.latestSchemaVersion): run orchestrator migrate"),
            ]
        }
    }

    /// DNS resolution and TCP connect time to a venue endpoint.
    public struct Network: HealthCheck {
        public let host: String
        public let port: UInt16
        public var name: String { "network.\(host):\(port)" }
        public init(host: String, port: UInt16) {
            self.host = host
            self.port = port
        }

        public func run() async throws -> [HealthCheckResult] {
            let clock = ContinuousClock()
            let started = clock.now
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            let resolved = getaddrinfo(host, String(port), &hints, &list)
            let dns = clock.now - started
            guard resolved == 0, let first = list else {
                return [HealthCheckResult(name: name + ".dns", status: .failed, value: nil, threshold: "resolves", message: "\(host) does not resolve: \(String(cString: gai_strerror(resolved)))")]
            }
            defer { freeaddrinfo(list) }
            let dnsMilliseconds = dns.milliseconds
            var results = [HealthCheckResult.graded(name + ".dns", value: dnsMilliseconds, warn: 200, fail: 2000, unit: " ms") { _ in String(format: "resolved in %.1f ms", dnsMilliseconds) }]
            let socketDescriptor = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
            guard socketDescriptor >= 0 else { throw ProbeError(description: "socket(): \(String(cString: strerror(errno)))") }
            defer { close(socketDescriptor) }
            _ = fcntl(socketDescriptor, F_SETFL, fcntl(socketDescriptor, F_GETFL) | O_NONBLOCK)
            let connectStart = clock.now
            var outcome = connect(socketDescriptor, first.pointee.ai_addr, first.pointee.ai_addrlen)
            if outcome != 0 && errno == EINPROGRESS {
                var descriptor = pollfd(fd: socketDescriptor, events: Int16(POLLOUT), revents: 0)
                // Short waits so a cancelled check returns soon.
                var waited = 0
                while waited < 5000 && !Task.isCancelled {
                    if poll(&descriptor, 1, 100) > 0 { break }
                    waited += 100
                }
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(socketDescriptor, SOL_SOCKET, SO_ERROR, &error, &length)
                outcome = descriptor.revents & Int16(POLLOUT) != 0 && error == 0 ? 0 : -1
                if outcome != 0 { errno = error == 0 ? ETIMEDOUT : error }
            }
            let connectMilliseconds = (clock.now - connectStart).milliseconds
            guard outcome == 0 else {
                results.append(HealthCheckResult(name: name + ".tcp", status: .failed, value: nil, threshold: "connects", message: "TCP connect to \(host):\(port) failed: \(String(cString: strerror(errno)))"))
                return results
            }
            results.append(.graded(name + ".tcp", value: connectMilliseconds, warn: 500, fail: 3000, unit: " ms") { _ in String(format: "TCP connect in %.1f ms", connectMilliseconds) })
            return results
        }
    }

    /// Whether the process runs in a container, and whether a Docker engine socket is reachable.
    public struct Container: HealthCheck {
        public let name = "container"
        public init() {}
        public func run() async throws -> [HealthCheckResult] {
            let inContainer = SystemReadings.runsInContainer(cgroup: read("/proc/1/cgroup"), dockerEnvironmentFile: FileManager.default.fileExists(atPath: "/.dockerenv"),
                                                            containerEnvironment: ProcessInfo.processInfo.environment["container"])
            return [HealthCheckResult(name: "container.runtime", status: .ok, value: inContainer ? 1 : 0, threshold: "informational",
                                      message: inContainer ? "runs in a container" : "runs on the host (no container markers)")]
        }
    }

    /// Whether the Docker engine socket is reachable from this process.
    static func dockerSocketReachable() -> Bool {
        access("/var/run/docker.sock", R_OK | W_OK) == 0
    }

    /// The posture facts of this process and configuration.
    public struct Posture: HealthCheck {
        public let name = "posture"
        public let configuration: OrchestratorConfiguration
        public init(configuration: OrchestratorConfiguration) { self.configuration = configuration }
        public func run() async throws -> [HealthCheckResult] {
            var files: [SecurityPosture.FileFacts] = []
            let candidates: [(String, Bool)] = [(configuration.configFilePath ?? "", true),
                                                ((configuration.dataDirectory as NSString).appendingPathComponent("orchestrator.sqlite"), true)]
            for (path, secret) in candidates where !path.isEmpty {
                if let attributes = try? FileManager.default.attributesOfItem(atPath: path), let mode = attributes[.posixPermissions] as? NSNumber {
                    files.append(SecurityPosture.FileFacts(path: path, mode: mode.uint32Value, holdsSecrets: secret))
                }
            }
            return SecurityPosture(userID: getuid(), bindHost: configuration.host, servesTLS: false, files: files,
                                   configuredAdminKey: configuration.adminKey, logLevel: configuration.logLevel.rawValue,
                                   openMetrics: configuration.openMetrics, dockerSocketReachable: dockerSocketReachable()).evaluate()
        }
    }

    /// A probe that could not measure.
    public struct ProbeError: Error, CustomStringConvertible {
        public let description: String
    }
}
