import Foundation
import Hummingbird
import Logging
import Orchestrator
import SecuritySupervisor
import Synchronization
import TestSupport
import Testing
import ZIPFoundation

/// A local stand-in for OSV's bucket: `/<mode>/<ecosystem>/all.zip` answers with the archive of
/// that ecosystem (`good`), its first half (`truncated`), or a 500 (`error`); an ecosystem it has no
/// archive for is a 404. It counts the requests.
final class OSVBucketStub: Sendable {
    let archives: [String: Data]
    let port = Mutex(0)
    let requests = Mutex<[String]>([])

    init(archives: [String: Data]) {
        self.archives = archives
    }

    func application() -> some ApplicationProtocol {
        let router = Router()
        router.get("/:mode/:ecosystem/all.zip") { [self] request, context -> Response in
            let mode = context.parameters.get("mode") ?? ""
            let ecosystem = (context.parameters.get("ecosystem") ?? "").removingPercentEncoding ?? ""
            requests.withLock { $0.append("\(mode)/\(ecosystem)") }
            guard mode != "error" else { return Response(status: .internalServerError) }
            guard let archive = archives[ecosystem] else { return Response(status: .notFound) }
            let body = mode == "truncated" ? archive.prefix(archive.count / 2) : archive
            return Response(status: .ok, headers: [.contentType: "application/zip"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                           onServerRunning: { [self] channel in port.withLock { $0 = channel.localAddress?.port ?? 0 } }, logger: Logger(label: "osv-stub"))
    }

    /// Runs `body` with the stub listening; its argument is the base URL.
    func serving(_ body: (String) async throws -> Void) async throws {
        let server = Task(executorPreference: StubExecutor.shared) { try await self.application().runService() }
        defer { server.cancel() }
        while port.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(20)) }
        try await body("http://127.0.0.1:\(port.withLock { $0 })")
    }
}

@Suite("scan update: OSV archives fetched or imported, verified, swapped in atomically", .serialized)
struct OSVDatabaseUpdaterTests {
    static let fixtures = ScanCommandTests.fixtures

    /// A zip of named members.
    static func zip(_ members: [(name: String, data: Data)]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        for member in members {
            try archive.addEntry(with: member.name, type: .file, uncompressedSize: Int64(member.data.count), compressionMethod: .deflate) { position, size in
                member.data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        return try #require(archive.data)
    }

    /// The real Debian advisories of the fixtures, one entry that is no record, one record with a
    /// malformed range and vector, and one of an ecosystem the scanner does not read.
    static func debianArchive() throws -> Data {
        var members = try ["ELA-953-1", "ELA-1773-1", "ELA-677-1"].map { name in
            (name: "\(name).json", data: try Data(contentsOf: fixtures.appendingPathComponent("\(name).osv.json")))
        }
        members.append((name: "broken.json", data: Data("{ not a record".utf8)))
        members.append((name: "ODD-1.json", data: Data(#"""
            {"id": "ODD-1", "modified": "2026-11-01T00:00:00Z", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L"}],
             "affected": [{"package": {"ecosystem": "Debian:9", "name": "zlib"}, "ranges": [{"type": "WEIRD", "events": [{"introduced": "0", "fixed": "1"}]}]}]}
            """#.utf8)))
        members.append((name: "NPM-1.json", data: Data(#"""
            {"id": "NPM-1", "modified": "2026-11-01T00:00:00Z",
             "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}
            """#.utf8)))
        return try zip(members)
    }

    static func swiftArchive() throws -> Data {
        try zip([(name: "GHSA-qppj-fm5r-hxr3.json", data: try Data(contentsOf: fixtures.appendingPathComponent("GHSA-qppj-fm5r-hxr3.osv.json")))])
    }

    @Test("a real archive is installed with its records counted, the entry that is no record skipped, the malformed parts and a foreign ecosystem warned, each naming the record")
    func installsAVerifiedArchive() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let stub = OSVBucketStub(archives: ["Debian:9": try Self.debianArchive()])
        try await stub.serving { base in
            let updater = OSVDatabaseUpdater(folder: directory.file("osv"), baseURL: base + "/good")
            let outcome = await updater.update(ecosystem: "Debian:9")
            #expect(outcome.updated, "\(outcome.problem ?? "")")
            #expect(outcome.records == 5 && outcome.skipped.count == 1 && outcome.skipped[0].contains("broken.json"))
            #expect(outcome.warnings.contains("NPM-1: ecosystem 'npm' is not read by the scanner"))
            #expect(outcome.warnings.contains { $0.hasPrefix("ODD-1:") && $0.contains("WEIRD") })
            #expect(outcome.warnings.contains { $0.hasPrefix("ODD-1:") && $0.contains("events[0]") })
            #expect(outcome.warnings.contains { $0.hasPrefix("ODD-1.severity") })
            #expect(FileManager.default.fileExists(atPath: directory.file("osv/Debian:9/all.zip")))
            #expect(!FileManager.default.fileExists(atPath: directory.file("osv/Debian:9/all.zip.partial")))
            // The scan reads what was installed (the meta file beside it is not a record).
            let database = OSVDatabaseLoader.load(directory.file("osv"))
            #expect(database.records.count == 5 && database.unreadable.count == 1)
        }
    }

    /// The failures a download can meet, and what the outcome says.
    static let failures: [(mode: String, ecosystem: String, problem: String)] = [
        ("truncated", "Debian:9", "corrupt archive"),
        ("error", "Debian:9", "HTTP 500"),
        ("good", "Ubuntu:22.04:LTS", "HTTP 404"),
        ("good", "npm", "unknown ecosystem 'npm'"),
        ("good", "../../etc", "is not an ecosystem name"),
    ]

    @Test("a truncated archive, a 500, a missing archive or an unknown ecosystem installs nothing, and the previous archive stays in use unchanged",
          arguments: failures)
    func failureKeepsThePreviousArchive(mode: String, ecosystem: String, problem: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let archive = try Self.debianArchive()
        let stub = OSVBucketStub(archives: ["Debian:9": archive])
        try await stub.serving { base in
            let good = OSVDatabaseUpdater(folder: directory.file("osv"), baseURL: base + "/good")
            #expect(await good.update(ecosystem: "Debian:9").updated)
            let before = try Data(contentsOf: URL(fileURLWithPath: good.archivePath("Debian:9")))
            let outcome = await OSVDatabaseUpdater(folder: directory.file("osv"), baseURL: base + "/" + mode).update(ecosystem: ecosystem)
            #expect(!outcome.updated)
            #expect(outcome.problem?.contains(problem) == true, "\(outcome.problem ?? "nil")")
            #expect(outcome.previousKept == (ecosystem == "Debian:9"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: good.archivePath("Debian:9"))) == before)
            let leftovers = try FileManager.default.subpathsOfDirectory(atPath: directory.file("osv")).filter { $0.hasSuffix(".partial") }
            #expect(leftovers.isEmpty)
            #expect(OSVDatabaseLoader.load(directory.file("osv")).records.count == 5)
        }
    }

    @Test("`scan update` fetches what the host needs and the ecosystems asked for; `--from` imports an archive offline, telling its ecosystem from its records")
    func command() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let stub = OSVBucketStub(archives: ["Debian:9": try Self.debianArchive(), "SwiftURL": try Self.swiftArchive()])
        try await stub.serving { base in
            // This machine's own release is whatever it is: only the ecosystems of the request are served.
            let release = FileManager.default.contents(atPath: "/etc/os-release").map { String(decoding: $0, as: UTF8.self) }
            let needed = OSVDatabaseUpdater.neededEcosystems(osRelease: release, extra: ["Debian:9"])
            let result = try await CommandLineTests.run(["scan", "update", "--data-dir", directory.path, "--ecosystem", "Debian:9", "--format", "json"],
                                                        environment: ["ORCHESTRATOR_SECURITY_OSV_URL": base + "/good"])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.error)")
            let archives = try #require(json["archives"] as? [[String: Any]])
            #expect(archives.map { $0["ecosystem"] as? String ?? "" } == needed)
            let statuses = Dictionary(uniqueKeysWithValues: archives.map { ($0["ecosystem"] as? String ?? "", $0["status"] as? String ?? "") })
            #expect(statuses["Debian:9"] == "updated" && statuses["SwiftURL"] == "updated")
            #expect(json["database"] as? String == directory.file("osv"))
            // Every needed archive was served except, possibly, this host's release: the status says whether all were.
            #expect(result.status == (archives.allSatisfy { $0["status"] as? String == "updated" } ? 0 : 1))
        }
        let file = directory.file("debian.zip")
        try Self.debianArchive().write(to: URL(fileURLWithPath: file))
        let imported = try await CommandLineTests.run(["scan", "update", "--osv-db", directory.file("offline"), "--from", file, "--format", "json"])
        #expect(imported.status == 0, "\(imported.error)")
        #expect(FileManager.default.fileExists(atPath: directory.file("offline/Debian:9/all.zip")))
        let table = try await CommandLineTests.run(["scan", "update", "--osv-db", directory.file("offline"), "--from", directory.file("missing.zip")])
        #expect(table.status == 1 && table.output.contains("no such file"))
    }
}
