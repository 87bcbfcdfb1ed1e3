import Foundation
import SecuritySupervisor
import TradingCore

/// `orchestrator scan`: an offline vulnerability scan of Swift pins, Debian packages and container
/// images against an OSV database folder, with the security score of the result.
public enum ScanCommand {
    /// What to scan and how.
    public struct Request: Sendable {
        public var resolvedFiles: [String] = []
        public var dpkgStatus: String?
        public var osRelease: String?
        public var image: String?
        public var database: String
        public var maximumAge: Duration = .seconds(7 * 86_400)
        public var failOn: VulnerabilityScanner.Severity = .high

        /// A request against a database folder.
        public init(database: String) {
            self.database = database
        }
    }

    /// A usage problem (exit 2).
    public struct UsageError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The result: the report, the score, the exit status and the outputs.
    public struct Result: Sendable {
        public let report: VulnerabilityScanner.Report
        public let score: SecurityScore
        public let skipped: [String]
        /// 0 clean, 1 findings at or above the threshold, 2 a missing or stale database.
        public let exitStatus: Int32
        public let output: AdministrationCommands.Output
        public let sarif: JSONValue
    }

    /// Parses `7d`, `36h`, `90m` into a duration.
    public static func age(_ text: String) -> Duration? {
        guard let unit = text.last, let amount = Int64(text.dropLast()), amount > 0 else { return nil }
        switch unit {
        case "d": return .seconds(amount * 86_400)
        case "h": return .seconds(amount * 3_600)
        case "m": return .seconds(amount * 60)
        default: return nil
        }
    }

    /// Runs a scan.
    public static func run(_ request: Request, now: Timestamp) throws -> Result {
        let (packages, skipped) = try inventory(request)
        let database = OSVDatabaseLoader.load(request.database)
        let report = VulnerabilityScanner(maximumDatabaseAge: request.maximumAge).scan(packages, database: database, now: now)
        let score = SecurityScore(report: report)
        let failed = report.findings.contains { $0.severity >= request.failOn }
        let status: Int32 = report.databaseProblems.contains(where: \.invalidatesScan) ? 2 : failed ? 1 : 0
        return Result(report: report, score: score, skipped: skipped, exitStatus: status,
                      output: output(report, packages: packages, score: score, skipped: skipped, request: request, failed: failed),
                      sarif: sarif(report))
    }

    /// This host's /etc/os-release (nil when it cannot be read).
    public static func hostOSRelease() -> String? {
        FileManager.default.contents(atPath: "/etc/os-release").map { String(decoding: $0, as: UTF8.self) }
    }

    /// The installed packages named by the request, and the Swift pins that were skipped (why).
    public static func inventory(_ request: Request) throws -> ([InstalledPackage], [String]) {
        guard !request.resolvedFiles.isEmpty || request.dpkgStatus != nil || request.image != nil else {
            throw UsageError(description: "nothing to scan: give --resolved, --dpkg-status or --image")
        }
        var packages: [InstalledPackage] = []
        var skipped: [String] = []
        for file in request.resolvedFiles {
            let result = try PackageResolvedInventory.parse(try read(file), file: file)
            packages += result.packages
            skipped += result.skipped
        }
        if let status = request.dpkgStatus {
            let releaseFile = request.osRelease ?? "/etc/os-release"
            let release = String(decoding: try read(releaseFile), as: UTF8.self)
            guard let ecosystem = DebianInventory.ecosystem(osRelease: release) else {
                throw UsageError(description: "\(releaseFile) does not describe a Debian or Ubuntu release (ID=debian or ubuntu, with VERSION_ID); give the right --os-release")
            }
            packages += try DebianInventory.parse(status: String(decoding: try read(status), as: UTF8.self), ecosystem: ecosystem, file: status)
        }
        if let image = request.image {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: image, isDirectory: &isDirectory) else { throw UsageError(description: "\(image): no such file or folder") }
            let files: ContainerImageInventory.Files
            if isDirectory.boolValue {
                let root = URL(fileURLWithPath: image)
                let statusDirectory = root.appendingPathComponent("var/lib/dpkg/status.d")
                let stanzas = ((try? FileManager.default.contentsOfDirectory(atPath: statusDirectory.path)) ?? []).sorted()
                    .compactMap { FileManager.default.contents(atPath: statusDirectory.appendingPathComponent($0).path) }
                    .map { String(decoding: $0, as: UTF8.self) }
                let status = FileManager.default.contents(atPath: root.appendingPathComponent("var/lib/dpkg/status").path).map { String(decoding: $0, as: UTF8.self) }
                    ?? (stanzas.isEmpty ? nil : stanzas.joined(separator: "\n\n"))
                let release = ["etc/os-release", "usr/lib/os-release"].lazy
                    .compactMap { FileManager.default.contents(atPath: root.appendingPathComponent($0).path) }.first
                files = ContainerImageInventory.Files(dpkgStatus: status, osRelease: release.map { String(decoding: $0, as: UTF8.self) })
            } else {
                files = try ContainerImageInventory.files(savedImage: try Data(contentsOf: URL(fileURLWithPath: image), options: .alwaysMapped), name: image,
                                                         gunzip: Gunzip.decompress)
            }
            guard let status = files.dpkgStatus else {
                throw UsageError(description: "\(image): no dpkg status (var/lib/dpkg/status or status.d/): only Debian and Ubuntu images are inventoried")
            }
            guard let release = files.osRelease, let ecosystem = DebianInventory.ecosystem(osRelease: release) else {
                throw UsageError(description: "\(image): its os-release does not describe a Debian or Ubuntu release")
            }
            packages += try DebianInventory.parse(status: status, ecosystem: ecosystem, file: "\(image):var/lib/dpkg/status")
        }
        return (packages, skipped)
    }

    private static func read(_ path: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw UsageError(description: "\(path): no such file or not readable") }
        return data
    }

    static func output(_ report: VulnerabilityScanner.Report, packages: [InstalledPackage], score: SecurityScore, skipped: [String], request: Request,
                       failed: Bool) -> AdministrationCommands.Output {
        func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        let findings: [JSONValue] = report.findings.map { finding in
            [
                "advisory": .string(finding.advisory),
                "aliases": .array(finding.aliases.map(JSONValue.string)),
                "package": .string(finding.package),
                "ecosystem": .string(finding.ecosystem),
                "installed_version": .string(finding.installedVersion),
                "fixed_version": optional(finding.fixedVersion),
                "severity": .string(finding.severity.rawValue),
                "cvss_score": finding.cvssScore.map(JSONValue.number) ?? .null,
                "cvss_vector": optional(finding.cvssVector),
                "summary": optional(finding.summary),
                "evidence": .string(finding.evidence),
                "origin": .string(finding.origin),
            ]
        }
        var counts: [(String, JSONValue)] = [("findings", .int(report.findings.count))]
        for severity in [VulnerabilityScanner.Severity.critical, .high, .medium, .low, .unknown] {
            counts.append((severity.rawValue.lowercased(), .int(report.findings.filter { $0.severity == severity }.count)))
        }
        counts += [
            ("packages_scanned", .int(report.packagesScanned)),
            ("packages_skipped", .array(skipped.map(JSONValue.string))),
            ("unevaluated_ranges", .array(report.unevaluated.map(JSONValue.string))),
            ("skipped_records", .array(report.database.unreadable.map(JSONValue.string))),
            ("warnings", .array(report.warnings.map(JSONValue.string))),
            ("fail_on", .string(request.failOn.rawValue)),
            ("failed", .bool(failed)),
        ]
        let database: JSONValue = [
            "path": .string(request.database),
            "records": .int(report.database.records.count),
            "newest_modified": optional(report.database.newestModified?.iso8601),
            "problems": .array(report.databaseProblems.map { ["code": .string($0.code), "message": .string($0.description)] }),
        ]
        // What was scanned, so that a clean result can be checked against the inventory it covers.
        let inventory: [JSONValue] = packages.sorted { ($0.ecosystem, $0.name, $0.version) < ($1.ecosystem, $1.name, $1.version) }.map { package in
            ["ecosystem": .string(package.ecosystem), "name": .string(package.name), "version": .string(package.version), "origin": .string(package.origin)]
        }
        let json: JSONValue = [
            "findings": .array(findings),
            "packages": .array(inventory),
            "summary": .object(counts),
            "database": database,
            "security_score": ["score": .int(score.score), "deductions": .array(score.deductions.map(SecuritySweeper.deduction))],
        ]
        let rows = report.findings.map { finding in
            [finding.severity.rawValue, finding.cvssScore.map { String(format: "%.1f", $0) } ?? "-", finding.advisory, finding.package,
             finding.installedVersion, finding.fixedVersion ?? "-"]
        }
        var footer = "\(report.findings.count) finding(s) in \(report.packagesScanned) package(s); database: \(report.database.records.count) records"
        if let newest = report.database.newestModified { footer += ", newest \(newest.iso8601)" }
        for problem in report.databaseProblems { footer += "\nDATABASE PROBLEM: \(problem)" }
        footer += "\nsecurity score \(score.score)/100" + score.deductions.map { "\n  -\($0.points)  \($0.reason)\n        fix: \($0.remedy)" }.joined()
        return AdministrationCommands.Output(json: json, columns: ["severity", "cvss", "advisory", "package", "installed", "fixed"], rows: rows, footer: footer)
    }

    /// SARIF 2.1.0: one rule per advisory, one result per finding, located at the inventory file.
    static func sarif(_ report: VulnerabilityScanner.Report) -> JSONValue {
        var seen: Set<String> = []
        let rules: [JSONValue] = report.findings.filter { seen.insert($0.advisory).inserted }.map { finding in
            var properties: [(String, JSONValue)] = [("tags", ["security", "vulnerability"])]
            if let score = finding.cvssScore { properties.append(("security-severity", .string(String(format: "%.1f", score)))) }
            return [
                "id": .string(finding.advisory),
                "shortDescription": ["text": .string(finding.summary ?? finding.advisory)],
                "helpUri": .string("https://osv.dev/vulnerability/\(finding.advisory)"),
                "properties": .object(properties),
            ]
        }
        let results: [JSONValue] = report.findings.map { finding in
            let level = switch finding.severity {
            case .critical, .high, .unknown: "error"
            case .medium: "warning"
            case .low: "note"
            }
            let file = finding.origin.split(separator: " (").first.map(String.init) ?? finding.origin
            return [
                "ruleId": .string(finding.advisory),
                "level": .string(level),
                "message": ["text": .string("\(finding.package) \(finding.installedVersion) (\(finding.ecosystem)) is affected by \(finding.advisory)"
                    + (finding.fixedVersion.map { "; fixed in \($0)" } ?? "; no fixed version is listed") + ".")],
                "locations": [["physicalLocation": ["artifactLocation": ["uri": .string(file)]]]],
            ]
        }
        return [
            "version": "2.1.0",
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "runs": [[
                "tool": ["driver": ["name": "orchestrator scan", "version": .string(ProductVersion.current), "rules": .array(rules)]],
                "results": .array(results),
            ]],
        ]
    }
}
