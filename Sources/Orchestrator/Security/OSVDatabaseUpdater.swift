import AsyncHTTPClient
import Foundation
import NIOCore
import SecuritySupervisor
import TradingCore
import TradingEngine

/// `orchestrator scan update`: fetches OSV's per-ecosystem archives (`<base>/<ecosystem>/all.zip`,
/// such as `Debian:12/all.zip`: the layout of OSV's public bucket and of osv-scanner's offline
/// database) into the database
/// folder, or imports one from a file. Each archive is written beside the one in use, verified —
/// a complete zip whose every entry inflates with a matching CRC, and records that decode — and
/// only then renamed over it, so a scan never reads half an archive and a failed update keeps the
/// previous archive in use.
public struct OSVDatabaseUpdater: Sendable {
    /// The database folder (`security.osv_db`).
    public let folder: String
    /// Where the archives are fetched from (`security.osv_url`).
    public let baseURL: String
    /// The longest a download may take.
    public var timeout: Duration = .seconds(600)
    /// The largest archive accepted (OSV's Debian archive is tens of megabytes).
    public var maximumBytes = 1 << 30

    /// The ecosystems the scanner can use (a release-qualified name such as `Debian:12` or
    /// `Ubuntu:22.04:LTS` counts by its first part): their versions are ordered by rules it implements.
    public static let knownEcosystems = ["Debian", "Ubuntu", "SwiftURL"]

    /// Creates an updater.
    public init(folder: String, baseURL: String) {
        self.folder = folder
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    /// What happened to one archive.
    public struct Outcome: Sendable {
        /// The archive's ecosystem (`Debian`).
        public let ecosystem: String
        /// Whether the verified archive is now in use.
        public let updated: Bool
        /// The URL or file it came from.
        public let source: String
        /// Records that decoded.
        public let records: Int
        /// Entries skipped because they are not records, each naming the entry.
        public let skipped: [String]
        /// Malformed parts of records that were kept (a range, a CVSS vector), each naming the record.
        public let warnings: [String]
        /// Bytes of the archive.
        public let bytes: Int
        /// Wall time of the download (or copy), the verification and the swap.
        public let seconds: Double
        /// Why it was not installed (nil when it was).
        public let problem: String?
        /// Whether an archive of this ecosystem was in use before and still is (after a failure).
        public let previousKept: Bool
    }

    /// The family of an ecosystem (`Debian:12` → `Debian`, `Ubuntu:22.04:LTS` → `Ubuntu`).
    public static func family(_ ecosystem: String) -> String {
        String(ecosystem.split(separator: ":", maxSplits: 1).first ?? Substring(ecosystem))
    }

    /// The archives this installation needs: SwiftURL for the Swift pins the binary ships with, and
    /// the release of this host's packages when it is Debian or Ubuntu; then `extra`, in order, once each.
    public static func neededEcosystems(osRelease: String?, extra: [String] = []) -> [String] {
        var names = ["SwiftURL"]
        if let osRelease, let ecosystem = DebianInventory.ecosystem(osRelease: osRelease) { names.append(ecosystem) }
        var seen: Set<String> = []
        return (names + extra).filter { seen.insert($0).inserted }
    }

    /// The archive file in use for an ecosystem.
    public func archivePath(_ ecosystem: String) -> String {
        (folder as NSString).appendingPathComponent("\(ecosystem)/all.zip")
    }

    /// Fetches and installs each ecosystem's archive, one after the other.
    public func update(ecosystems: [String]) async -> [Outcome] {
        // A client of its own: the shared one retries a failed connection until the request's
        // deadline (minutes on a host without DNS), where an update should say at once that the
        // bucket cannot be reached.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        configuration.timeout.read = .seconds(60)
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        var outcomes: [Outcome] = []
        for ecosystem in ecosystems { outcomes.append(await update(ecosystem: ecosystem, client: client)) }
        try? await client.shutdown()
        return outcomes
    }

    /// Fetches and installs one ecosystem's archive.
    public func update(ecosystem: String) async -> Outcome {
        await update(ecosystems: [ecosystem])[0]
    }

    private func update(ecosystem: String, client: HTTPClient) async -> Outcome {
        let started = ContinuousClock.now
        let url = "\(baseURL)/\(ecosystem)/all.zip"
        if let refusal = refusal(ecosystem) { return failure(ecosystem, source: url, problem: refusal, started: started) }
        let partial = archivePath(ecosystem) + ".partial"
        do {
            try FileManager.default.createDirectory(atPath: (partial as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try await download(url, to: partial, client: client)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            return failure(ecosystem, source: url, problem: "download failed: \(error)", started: started)
        }
        return await BlockingWork.run { install(partial, ecosystem: ecosystem, source: url, started: started) }
    }

    /// Imports an archive from a file (a host without internet); the ecosystem is the one named,
    /// else the one most of its records belong to.
    public func importArchive(_ file: String, ecosystem named: String?) -> Outcome {
        let started = ContinuousClock.now
        guard FileManager.default.isReadableFile(atPath: file) else {
            return failure(named ?? "?", source: file, problem: "\(file): no such file or not readable", started: started)
        }
        let ecosystem: String
        if let named {
            ecosystem = named
        } else {
            let contents = OSVDatabaseLoader.readArchive(file)
            var counts: [String: Int] = [:]
            for record in contents.records {
                for name in Set((record.affected ?? []).compactMap { $0.package?.ecosystem }) { counts[name, default: 0] += 1 }
            }
            guard let most = counts.max(by: { ($0.value, $1.key) < ($1.value, $0.key) })?.key else {
                let reason = contents.damage.first ?? contents.undecodable.first ?? "no record names an ecosystem"
                return failure("?", source: file, problem: "the archive's ecosystem cannot be told (\(reason)); give --ecosystem", started: started)
            }
            ecosystem = most
        }
        if let refusal = refusal(ecosystem) { return failure(ecosystem, source: file, problem: refusal, started: started) }
        let partial = archivePath(ecosystem) + ".partial"
        do {
            try FileManager.default.createDirectory(atPath: (partial as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: partial)
            try FileManager.default.copyItem(atPath: file, toPath: partial)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            return failure(ecosystem, source: file, problem: "cannot copy into \(folder): \(error)", started: started)
        }
        return install(partial, ecosystem: ecosystem, source: file, started: started)
    }

    /// Why an ecosystem is refused (nil when it is one the scanner can use).
    func refusal(_ ecosystem: String) -> String? {
        // The name becomes a folder and a URL path: nothing that could leave either.
        guard !ecosystem.isEmpty, !ecosystem.contains("/"), !ecosystem.contains(".."), !ecosystem.contains("\\") else {
            return "'\(ecosystem)' is not an ecosystem name"
        }
        return Self.knownEcosystems.contains(Self.family(ecosystem)) ? nil
            : "unknown ecosystem '\(ecosystem)': the scanner orders the versions of \(Self.knownEcosystems.joined(separator: ", ")) only"
    }

    /// Streams a URL's body into a file; anything but 200 is an error naming the status.
    func download(_ url: String, to path: String, client: HTTPClient) async throws {
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(Int64(timeout.components.seconds)))
        guard response.status == .ok else { throw UpdateError(description: "HTTP \(response.status.code) from \(url)") }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw UpdateError(description: "cannot write \(path)")
        }
        defer { try? handle.close() }
        var bytes = 0
        for try await buffer in response.body {
            bytes += buffer.readableBytes
            guard bytes <= maximumBytes else { throw UpdateError(description: "the archive is larger than \(maximumBytes) bytes") }
            try handle.write(contentsOf: Data(buffer.readableBytesView))
        }
    }

    /// Verifies a staged archive and renames it over the one in use, or removes it.
    func install(_ partial: String, ecosystem: String, source: String, started: ContinuousClock.Instant) -> Outcome {
        let bytes = ((try? FileManager.default.attributesOfItem(atPath: partial))?[.size] as? NSNumber)?.intValue ?? 0
        let contents = OSVDatabaseLoader.readArchive(partial)
        var problem: String?
        if !contents.damage.isEmpty {
            problem = "corrupt archive (\(contents.damage.count) damaged part(s)): \(contents.damage[0])"
        } else if contents.records.isEmpty {
            problem = "no record decodes (\(contents.undecodable.count) entr\(contents.undecodable.count == 1 ? "y" : "ies") skipped)"
        }
        // A record of an ecosystem the scanner cannot order is kept (it matches nothing) and said.
        let foreign = contents.records.compactMap { record -> String? in
            let names = Set((record.affected ?? []).compactMap { $0.package?.ecosystem }.filter { !Self.knownEcosystems.contains(Self.family($0)) })
            return names.isEmpty ? nil : "\(record.id): ecosystem \(names.sorted().map { "'\($0)'" }.joined(separator: ", ")) is not read by the scanner"
        }
        let warnings = contents.records.flatMap(\.problems) + foreign
        if let problem {
            try? FileManager.default.removeItem(atPath: partial)
            return failure(ecosystem, source: source, problem: problem, started: started, bytes: bytes, skipped: contents.undecodable, warnings: warnings)
        }
        let meta: JSONValue = [
            "ecosystem": .string(ecosystem), "source": .string(source), "installed_at": .string(SystemClock().now().iso8601),
            "records": .int(contents.records.count), "skipped": .int(contents.undecodable.count), "bytes": .int(bytes),
        ]
        do {
            // rename(2) replaces the old archive in one step: a scan opens either the old file or the new one.
            if rename(partial, archivePath(ecosystem)) != 0 { throw UpdateError(description: "rename failed: \(String(cString: strerror(errno)))") }
            try Data(meta.serialized()).write(to: URL(fileURLWithPath: archivePath(ecosystem) + ".meta"), options: .atomic)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            return failure(ecosystem, source: source, problem: "cannot swap the archive in: \(error)", started: started, bytes: bytes)
        }
        return Outcome(ecosystem: ecosystem, updated: true, source: source, records: contents.records.count, skipped: contents.undecodable, warnings: warnings,
                       bytes: bytes, seconds: (ContinuousClock.now - started).milliseconds / 1000, problem: nil, previousKept: false)
    }

    private func failure(_ ecosystem: String, source: String, problem: String, started: ContinuousClock.Instant, bytes: Int = 0, skipped: [String] = [],
                         warnings: [String] = []) -> Outcome {
        Outcome(ecosystem: ecosystem, updated: false, source: source, records: 0, skipped: skipped, warnings: warnings, bytes: bytes,
                seconds: (ContinuousClock.now - started).milliseconds / 1000, problem: problem,
                previousKept: refusal(ecosystem) == nil && FileManager.default.fileExists(atPath: archivePath(ecosystem)))
    }

    /// Why an update could not be made.
    struct UpdateError: Error, CustomStringConvertible {
        let description: String
    }

    /// The command's output: one row per archive, and the JSON document (`--format json`).
    public static func output(_ outcomes: [Outcome], folder: String) -> AdministrationCommands.Output {
        let sample = 20
        let archives: [JSONValue] = outcomes.map { outcome in
            [
                "ecosystem": .string(outcome.ecosystem),
                "status": .string(outcome.updated ? "updated" : "failed"),
                "source": .string(outcome.source),
                "records": .int(outcome.records),
                "bytes": .int(outcome.bytes),
                "seconds": .number(outcome.seconds),
                "skipped_count": .int(outcome.skipped.count),
                "skipped": .array(outcome.skipped.prefix(sample).map(JSONValue.string)),
                "warning_count": .int(outcome.warnings.count),
                "warnings": .array(outcome.warnings.prefix(sample).map(JSONValue.string)),
                "problem": outcome.problem.map(JSONValue.string) ?? .null,
                "previous_kept": .bool(outcome.previousKept),
            ]
        }
        let json: JSONValue = [
            "database": .string(folder),
            "archives": .array(archives),
            "updated": .int(outcomes.filter(\.updated).count),
            "failed": .int(outcomes.filter { !$0.updated }.count),
        ]
        let rows = outcomes.map { outcome in
            [outcome.ecosystem, outcome.updated ? "updated" : "FAILED", String(outcome.records), String(outcome.skipped.count), String(outcome.warnings.count),
             String(format: "%.1f", Double(outcome.bytes) / 1_048_576), String(format: "%.2f", outcome.seconds)]
        }
        var footer = "database: \(folder)"
        for outcome in outcomes {
            if let problem = outcome.problem {
                footer += "\n\(outcome.ecosystem): \(problem)" + (outcome.previousKept ? "; the previous archive stays in use" : "")
            }
            for line in outcome.skipped.prefix(sample) { footer += "\n\(outcome.ecosystem): skipped \(line)" }
            if outcome.skipped.count > sample { footer += "\n\(outcome.ecosystem): … and \(outcome.skipped.count - sample) more skipped" }
            for line in outcome.warnings.prefix(sample) { footer += "\n\(outcome.ecosystem): warning: \(line)" }
            if outcome.warnings.count > sample { footer += "\n\(outcome.ecosystem): … and \(outcome.warnings.count - sample) more warnings" }
        }
        return AdministrationCommands.Output(json: json, columns: ["ecosystem", "status", "records", "skipped", "warnings", "MiB", "seconds"], rows: rows, footer: footer)
    }
}
