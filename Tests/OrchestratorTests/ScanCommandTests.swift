import Foundation
import TestSupport
import Testing
import ZIPFoundation

/// `orchestrator scan` run as a user would, on real OSV records.
@Suite("Vulnerability scan command", .serialized)
struct ScanCommandTests {
    static let fixtures = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/SecuritySupervisorTests/Fixtures/osv")

    /// A database folder: one plain record and osv-scanner's layout (Debian/all.zip with two records).
    static func database(_ directory: TemporaryDirectory) throws -> String {
        let folder = directory.file("osv")
        try FileManager.default.createDirectory(atPath: folder + "/Debian", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixtures.appendingPathComponent("GHSA-qppj-fm5r-hxr3.osv.json").path, toPath: folder + "/GHSA-qppj-fm5r-hxr3.json")
        let archive = try Archive(url: URL(fileURLWithPath: folder + "/Debian/all.zip"), accessMode: .create)
        for name in ["ELA-953-1", "ELA-1773-1", "ELA-677-1"] {
            let data = try Data(contentsOf: fixtures.appendingPathComponent("\(name).osv.json"))
            try archive.addEntry(with: "\(name).json", type: .file, uncompressedSize: Int64(data.count)) { position, size in
                data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        return folder
    }

    static func inventory(_ directory: TemporaryDirectory) throws -> [String] {
        let status = directory.file("status"), release = directory.file("os-release")
        try "Package: libssl1.1\nStatus: install ok installed\nSource: openssl\nVersion: 1.1.0l-1~deb9u8\n\nPackage: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.2.8.dfsg-5+deb9u2\n"
            .write(toFile: status, atomically: true, encoding: .utf8)
        try "ID=debian\nVERSION_ID=\"9\"\n".write(toFile: release, atomically: true, encoding: .utf8)
        return ["--resolved", fixtures.appendingPathComponent("Package.resolved.v2.osv-scanner-testdata.json").path, "--dpkg-status", status, "--os-release", release]
    }

    @Test("JSON findings for a Swift pin and Debian packages; exit 1 at the default threshold (unscored advisories count as high)")
    func findings() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let arguments = ["scan"] + (try Self.inventory(directory)) + ["--osv-db", try Self.database(directory), "--max-db-age", "100000d", "--format", "json"]
        let result = try await CommandLineTests.run(arguments)
        #expect(result.status == 1, "\(result.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        #expect(Set(findings.map { $0["advisory"] as? String ?? "" }) == ["GHSA-qppj-fm5r-hxr3", "ELA-953-1", "ELA-1773-1"])
        let nio = try #require(findings.first { $0["advisory"] as? String == "GHSA-qppj-fm5r-hxr3" })
        #expect(nio["package"] as? String == "github.com/apple/swift-nio-http2" && nio["ecosystem"] as? String == "SwiftURL")
        #expect(nio["installed_version"] as? String == "1.19.1" && nio["fixed_version"] as? String == "1.28.0")
        #expect(nio["severity"] as? String == "MEDIUM" && nio["cvss_score"] as? Double == 5.3 && (nio["cvss_vector"] as? String)?.hasPrefix("CVSS:3.1/") == true)
        let openssl = try #require(findings.first { $0["advisory"] as? String == "ELA-953-1" })
        #expect(openssl["ecosystem"] as? String == "Debian:9" && openssl["fixed_version"] as? String == "1.1.0l-1~deb9u9" && openssl["severity"] as? String == "UNKNOWN")
        #expect((openssl["aliases"] as? [String])?.contains("CVE-2023-0464") == true)
        // The inventory scanned: both Debian source packages and the Swift pins, in a stable order.
        let packages = try #require(json["packages"] as? [[String: Any]])
        let debian = packages.filter { $0["ecosystem"] as? String == "Debian:9" }.map { "\($0["name"] ?? "")=\($0["version"] ?? "")" }
        #expect(debian == ["openssl=1.1.0l-1~deb9u8", "zlib=1:1.2.8.dfsg-5+deb9u2"])
        #expect(packages.contains { $0["ecosystem"] as? String == "SwiftURL" && $0["name"] as? String == "github.com/apple/swift-nio-http2" })
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(summary["packages_scanned"] as? Int == packages.count)
        let database = try #require(json["database"] as? [String: Any])
        #expect(database["records"] as? Int == 4 && database["newest_modified"] as? String == "2026-07-15T00:00:00Z")
        let score = try #require(json["security_score"] as? [String: Any])
        #expect((score["score"] as? Int ?? 100) < 100 && !(score["deductions"] as? [Any] ?? []).isEmpty)
        let critical = try await CommandLineTests.run(arguments + ["--fail-on", "critical"])
        #expect(critical.status == 0)
    }

    @Test("SARIF 2.1.0 output has one result per finding and a rule per advisory")
    func sarif() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try await CommandLineTests.run(["scan"] + (try Self.inventory(directory)) + ["--osv-db", try Self.database(directory), "--max-db-age", "100000d", "--format", "sarif"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(json["version"] as? String == "2.1.0")
        let run = try #require((json["runs"] as? [[String: Any]])?.first)
        #expect((run["results"] as? [[String: Any]])?.count == 3)
        #expect(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"].map { ($0 as? [Any])?.count } == 3)
    }

    @Test("a stale, missing or unusable database exits 2 and is never reported clean", arguments: [
        (["--max-db-age", "7d"], "stale"),
        (["--osv-db-missing"], "missing"),
    ])
    func databaseProblems(extra: [String], word: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = extra == ["--osv-db-missing"] ? directory.file("nothing-here") : try Self.database(directory)
        let options = extra == ["--osv-db-missing"] ? [] : extra
        let result = try await CommandLineTests.run(["scan"] + (try Self.inventory(directory)) + ["--osv-db", folder, "--format", "json"] + options)
        #expect(result.status == 2)
        #expect(result.error.contains(word), "\(result.error)")
    }

    @Test("usage errors exit 2 with the reason", arguments: [
        ["scan", "--osv-db", "/tmp"],
        ["scan", "--osv-db", "/tmp", "--resolved", "/nonexistent/Package.resolved"],
        ["scan", "--osv-db", "/tmp", "--resolved", "x", "--fail-on", "severe"],
        ["scan", "--osv-db", "/tmp", "--resolved", "x", "--max-db-age", "soon"],
    ])
    func usage(arguments: [String]) async throws {
        let result = try await CommandLineTests.run(arguments)
        #expect(result.status == 2, "\(result.error)")
        #expect(!result.error.isEmpty)
    }

    @Test("corrupt records, unknown range types and malformed vectors are skipped with a warning naming them, counted, and the scan finishes")
    func badRecords() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let folder = try Self.database(directory)
        try "{ this is not json".write(toFile: folder + "/broken.json", atomically: true, encoding: .utf8)
        try #"""
            {"id": "ODD-1", "modified": "2026-11-01T00:00:00Z", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L"}],
             "affected": [{"package": {"ecosystem": "Debian:9", "name": "zlib"}, "ranges": [{"type": "WEIRD", "events": [{"introduced": "0"}]}]},
                          {"package": {"ecosystem": "Debian:9", "name": "openssl"}, "versions": ["1.1.0l-1~deb9u8"]}]}
            """#.write(toFile: folder + "/odd.json", atomically: true, encoding: .utf8)
        let result = try await CommandLineTests.run(["scan"] + (try Self.inventory(directory)) + ["--osv-db", folder, "--max-db-age", "100000d", "--format", "json"])
        #expect(result.status == 1, "findings decide the status, not the skipped file: \(result.error)")
        #expect(result.error.contains("broken.json") && result.error.contains("malformed CVSS vector"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let summary = try #require(json["summary"] as? [String: Any])
        #expect((summary["skipped_records"] as? [String])?.count == 1)
        #expect((summary["unevaluated_ranges"] as? [String])?.contains { $0.contains("WEIRD") } == true)
        #expect((json["findings"] as? [[String: Any]])?.contains { $0["advisory"] as? String == "ODD-1" && $0["severity"] as? String == "UNKNOWN" } == true)
    }
}
