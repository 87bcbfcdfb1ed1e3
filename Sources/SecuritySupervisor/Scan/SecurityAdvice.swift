/// What each kind of deduction means and the one thing that removes it, so that a first run
/// explains its score without a manual (`GET /supervisor/security`, the start-up output).
public enum SecurityAdvice {
    /// The meaning and the remedy of a database problem.
    public static func database(_ problem: VulnerabilityScanner.DatabaseProblem, packages: Int) -> (meaning: String, remedy: String) {
        switch problem {
        case .missing:
            ("there is no vulnerability database yet, so none of the \(packages) installed package(s) could be checked; unchecked is not clean",
             "orchestrator scan update   (on a host without internet: orchestrator scan update --from all.zip)")
        case .stale:
            ("advisories published since the database was fetched are unknown to the scan", "orchestrator scan update")
        case .unreadable:
            ("part of the database could not be read, so the advisories it holds were not checked",
             "orchestrator scan update   (replaces damaged archives)")
        }
    }

    /// The meaning and the remedy of the findings of one installed package.
    public static func package(_ findings: [VulnerabilityScanner.Finding]) -> (meaning: String, remedy: String) {
        guard let first = findings.first else { return ("", "") }
        let fixes = findings.compactMap(\.fixedVersion)
        // The fix of every advisory: the highest fixed version listed (they are usually alike).
        let target = fixes.max { a, b in (AdvisoryMatcher.compare(a, b, ecosystem: first.ecosystem) ?? 0) < 0 }
        let meaning = "\(first.package) \(first.installedVersion) has \(findings.count) published vulnerabilit\(findings.count == 1 ? "y" : "ies") "
            + "(\(findings.map(\.advisory).prefix(3).joined(separator: ", "))\(findings.count > 3 ? ", …" : ""))"
        let remedy: String
        switch (first.ecosystem == "SwiftURL", target) {
        case (true, .some(let version)):
            remedy = "swift package update \(first.package.split(separator: "/").last.map(String.init) ?? first.package)   (to \(version) or later), then rebuild and redeploy"
        case (false, .some(let version)):
            remedy = "apt-get update && apt-get upgrade   (the packages built from \(first.package), to \(version) or later; in a container, rebuild the image)"
        case (_, nil):
            remedy = "no fixed version is published yet: follow \(first.advisory), or remove \(first.package)"
        }
        return (meaning, remedy)
    }

    /// The remedy of a health check that is DEGRADED or FAILED, by its name.
    public static func check(_ name: String) -> String {
        switch name {
        case "disk.space", "disk.inodes": "free space on the file system of the data folder (data.dir), or move it to a larger one"
        case "memory", "process.memory": "find what uses the memory (top, GET /metrics process_resident_memory_bytes); restart or add memory"
        case "cpu.usage", "cpu.load": "find what uses the processors (top); move other work off this host"
        case "process.open_files": "raise the open-files limit (ulimit -n, or LimitNOFILE in the unit file)"
        case "process.threads": "look for a runaway task: restart the process and report it"
        case "database.latency", "database.pool": "check the database server's load and the network to it; raise database.pool_size when the pool is saturated"
        case "database.schema": "orchestrator migrate"
        case "http.error_rate": "read the error log lines of the failing routes (GET /metrics orchestrator_http_requests_total by status)"
        default:
            if name.hasPrefix("network.") { "check the endpoint's host and port in security.endpoints, DNS and the firewall" }
            else if name.hasPrefix("database") { "check database.url and that the database server is running" }
            else { "see the check's message in GET /api/v1/supervisor/health" }
        }
    }

    /// The meaning and the remedy of a posture problem, by the posture check's name.
    public static func posture(_ name: String) -> (meaning: String, remedy: String) {
        switch name {
        case "posture.user":
            ("whoever takes over this process has the whole machine", "run as an unprivileged user (the container image runs as uid 10001)")
        case "posture.binding":
            ("API keys and trading commands cross the network in clear text", "set http.host to 127.0.0.1 and put a TLS proxy in front")
        case "posture.files":
            ("other users of this machine can read the secrets, or change the files", "chmod 600 the files named")
        case "posture.api_key":
            ("the admin key can be guessed, and it can do everything", "orchestrator apikey create, then remove the weak auth.admin_key from the configuration")
        case "posture.debug":
            ("debug logs may keep request details where log readers see them", "set log.level to info")
        case "posture.metrics":
            ("anyone who reaches the address reads the metrics (positions, equity, errors)", "set auth.open_metrics to false, or bind http.host to loopback")
        case "posture.docker_socket":
            ("whoever takes over this process controls the host through the Docker engine", "do not mount /var/run/docker.sock into the container")
        default:
            ("a weakness of the deployment", "see the check's message in GET /api/v1/supervisor/health")
        }
    }
}
