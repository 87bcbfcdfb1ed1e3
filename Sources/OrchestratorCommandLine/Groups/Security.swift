import ArgumentParser
import Foundation
import Orchestrator
import SecuritySupervisor
import TradingEngine

struct Scan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scan Swift pins, Debian and Ubuntu packages or a container image for known vulnerabilities, offline; fetch the database.",
        discussion: "`orchestrator scan` is `orchestrator scan check`; `orchestrator scan update` fetches or imports the OSV database the scans read.",
        subcommands: [ScanCheck.self, ScanUpdate.self],
        defaultSubcommand: ScanCheck.self)
}

struct ScanCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Scan Swift pins, Debian and Ubuntu packages or a container image for known vulnerabilities, offline.",
        discussion: """
            Matches the inventory against an OSV database folder (*.json records and osv-scanner's per-ecosystem all.zip), \
            with Debian versions ordered as dpkg orders them and Swift versions by SemVer 2.0, and scores each advisory from its \
            CVSS v3 vector. A missing, unreadable or stale database is reported and never passes as clean. Exit status: 0 clean, \
            1 findings at or above --fail-on, 2 a usage or database problem. `scan update` fetches or imports the database.
            """)

    @Option(help: "A Package.resolved file (versions 1–3); repeatable.") var resolved: [String] = []
    @Option(help: "A dpkg status file (its release from --os-release, default /etc/os-release).") var dpkgStatus: String?
    @Option(help: "The os-release file naming the Debian or Ubuntu release of --dpkg-status.") var osRelease: String?
    @Option(help: "A container image: a root filesystem folder or a `docker save` tarball.") var image: String?
    @Option(help: "The OSV database folder (default: security.osv_db, which defaults to ./data/osv; `scan update` fills it).") var osvDb: String?
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

    func run() async throws {
        let database: String
        if let osvDb {
            database = osvDb
        } else {
            do {
                let configuration = try await ConfigurationLoader.load(overrides: [:], environment: ProcessInfo.processInfo.environment, configFile: nil)
                database = configuration.osvDatabaseFolder
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        var request = ScanCommand.Request(database: database)
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

struct ScanUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Fetch the OSV vulnerability database the scans use (or import an archive), verified and swapped in atomically.",
        discussion: """
            Downloads <security.osv_url>/<ecosystem>/all.zip for the ecosystems this installation needs (SwiftURL for the Swift \
            pins, and this host's Debian or Ubuntu release), plus --ecosystem and the releases of --image. Each archive is \
            verified (a complete zip, every entry's CRC, records that decode) before it replaces the one in use; a failed \
            archive leaves the previous one in place. Records that do not decode are skipped and counted, malformed parts of \
            records that do are counted as warnings; both name the record. Exit status 0 when every archive was installed, \
            1 when one failed.
            """)

    @OptionGroup var storage: StorageOptions
    @Option(help: "The OSV database folder (default: security.osv_db, which defaults to <data dir>/osv).") var osvDb: String?
    @Option(help: "Import this archive file instead of downloading (for a host without internet); repeatable.") var from: [String] = []
    @Option(help: "An ecosystem to fetch too (Debian:12, Ubuntu:22.04:LTS, SwiftURL); with --from, the archives' ecosystem (default: the one most records name).")
    var ecosystem: [String] = []
    @Option(help: "A container image (root filesystem folder or `docker save` tarball) whose release is fetched too; repeatable.") var image: [String] = []
    @OptionGroup var output: FormatOption

    func run() async throws {
        var failed = false
        try await CommandRunner.run(storage: storage) { configuration, _ in
            let folder = osvDb ?? configuration.osvDatabaseFolder
            let updater = OSVDatabaseUpdater(folder: folder, baseURL: configuration.security.osvURL)
            let outcomes: [OSVDatabaseUpdater.Outcome]
            if from.isEmpty {
                var extra = ecosystem
                for image in image {
                    var request = ScanCommand.Request(database: folder)
                    request.image = image
                    extra += Set(try ScanCommand.inventory(request).0.map(\.ecosystem)).sorted()
                }
                outcomes = await updater.update(ecosystems: OSVDatabaseUpdater.neededEcosystems(osRelease: ScanCommand.hostOSRelease(), extra: extra))
            } else {
                guard ecosystem.count <= 1 || ecosystem.count == from.count else {
                    throw ValidationError("with --from, give one --ecosystem for all archives or one per archive")
                }
                outcomes = from.enumerated().map { index, file in
                    updater.importArchive(file, ecosystem: ecosystem.isEmpty ? nil : ecosystem[ecosystem.count == 1 ? 0 : index])
                }
            }
            CommandRunner.print(OSVDatabaseUpdater.output(outcomes, folder: folder), format: output.format)
            failed = outcomes.contains { !$0.updated }
        }
        if failed { throw ExitCode(1) }
    }
}
