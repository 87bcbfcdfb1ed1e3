import ArgumentParser
import Foundation
import Orchestrator
import SecuritySupervisor
import TradingEngine

struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scan Swift pins, Debian packages or a container image for known vulnerabilities, offline.",
        discussion: """
            Matches the inventory against an OSV database folder (*.json records and osv-scanner's per-ecosystem all.zip), \
            with Debian versions ordered as dpkg orders them and Swift versions by SemVer 2.0, and scores each advisory from its \
            CVSS v3 vector. A missing, unreadable or stale database is reported and never passes as clean. Exit status: 0 clean, \
            1 findings at or above --fail-on, 2 a usage or database problem.
            """)

    @Option(help: "A Package.resolved file (versions 1–3); repeatable.") var resolved: [String] = []
    @Option(help: "A dpkg status file (its release from --os-release, default /etc/os-release).") var dpkgStatus: String?
    @Option(help: "The os-release file naming the Debian release of --dpkg-status.") var osRelease: String?
    @Option(help: "A container image: a root filesystem folder or a `docker save` tarball.") var image: String?
    @Option(help: "The OSV database folder.") var osvDb: String
    @Option(help: "The oldest the newest database record may be: a number with d, h or m (such as 7d, 36h).") var maxDbAge = Age(text: "7d", duration: .seconds(7 * 86_400))
    @Option(help: "Fail (status 1) on findings at or above this severity (UNKNOWN counts as high).") var failOn = FailureThreshold.high
    @Option(help: "Output format.") var format = Format.table

    /// A database age such as `7d`, `36h` or `90m`.
    struct Age: ExpressibleByArgument {
        let text: String
        let duration: Duration

        init(text: String, duration: Duration) {
            self.text = text
            self.duration = duration
        }

        init?(argument: String) {
            guard let duration = ScanCommand.age(argument) else { return nil }
            self.init(text: argument, duration: duration)
        }

        var defaultValueDescription: String { text }
    }

    /// The severities --fail-on takes (in any case, as the scanners print them in capitals).
    enum FailureThreshold: String, ExpressibleByArgument, CaseIterable {
        case low, medium, high, critical

        init?(argument: String) { self.init(rawValue: argument.lowercased()) }

        /// The scanner's severity of the same name.
        var severity: VulnerabilityScanner.Severity {
            switch self {
            case .low: .low
            case .medium: .medium
            case .high: .high
            case .critical: .critical
            }
        }
    }

    /// The output formats of a scan: the usual two and SARIF for code-scanning tools.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, sarif, table
    }

    func run() throws {
        var request = ScanCommand.Request(database: osvDb)
        request.resolvedFiles = resolved
        request.dpkgStatus = dpkgStatus
        request.osRelease = osRelease
        request.image = image
        request.maximumAge = maxDbAge.duration
        request.failOn = failOn.severity
        let result: ScanCommand.Result
        do {
            result = try ScanCommand.run(request, now: SystemClock().now())
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        switch format {
        case .sarif: FileHandle.standardOutput.write(Data(result.sarif.prettySerialized()))
        case .json: CommandRunner.print(result.output, format: .json)
        case .table: CommandRunner.print(result.output, format: .table)
        }
        for problem in result.report.databaseProblems { FileHandle.standardError.write(Data("\(problem.invalidatesScan ? "error" : "warning"): \(problem)\n".utf8)) }
        for file in result.report.database.unreadable { FileHandle.standardError.write(Data("warning: skipped \(file)\n".utf8)) }
        for warning in result.report.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        if result.exitStatus != 0 { throw ExitCode(result.exitStatus) }
    }
}

struct Health: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the security supervisor's health checks once and print them.",
        discussion: "The same checks as the supervisor's sweeps (system, process, database, network endpoints, container, posture), in parallel with their time limit. Exit status 0 when none FAILED, 1 otherwise.")

    @OptionGroup var storage: StorageOptions
    @OptionGroup var output: FormatOption

    func run() async throws {
        var failed = false
        try await CommandRunner.run(storage: storage) { configuration, logger in
            let checked = try await HealthCommand.run(configuration, logger: logger)
            CommandRunner.print(checked.output, format: output.format)
            failed = checked.failed
        }
        if failed { throw ExitCode(1) }
    }
}
