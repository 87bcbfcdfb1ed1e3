import Foundation
import SecuritySupervisor
import Testing
import TestSupport
import TradingCore

/// Real OSV records (Tests/SecuritySupervisorTests/Fixtures/osv, sources in SOURCES.md).
enum OSVFixtures {
    static let folder = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/SecuritySupervisorTests/Fixtures/osv")

    static func record(_ name: String) throws -> OSVRecord {
        let url = folder.appendingPathComponent(name)
        return try OSVRecord.parse(try Data(contentsOf: url), source: url.path)
    }

    static func synthetic(_ json: String) throws -> OSVRecord { try OSVRecord.parse(Data(json.utf8), source: "test") }
}

@Suite("OSV advisories against installed packages")
struct AdvisoryMatchingTests {
    @Test("every fixture record parses, with its id and modified time")
    func fixturesParse() throws {
        for file in try FileManager.default.contentsOfDirectory(atPath: OSVFixtures.folder.path) where file.hasSuffix(".osv.json") {
            let record = try OSVFixtures.record(file)
            #expect(!record.id.isEmpty && record.modifiedTime != nil, "\(file)")
        }
    }

    @Test("a malformed record is refused naming the file and the member")
    func malformedRecord() {
        #expect(throws: OSVRecord.ParseError.self) { try OSVRecord.parse(Data(#"{"id": "X"}"#.utf8), source: "db/X.json") }
        do {
            _ = try OSVRecord.parse(Data(#"{"id": "X", "modified": "yesterday"}"#.utf8), source: "db/X.json")
            Issue.record("accepted a bad time")
        } catch {
            #expect(error.description.contains("db/X.json") && error.description.contains("modified"))
        }
    }

    @Test("swift-nio-http2 1.19.1 pinned in osv-scanner's Package.resolved is affected by Rapid Reset, fixed in 1.28.0, MEDIUM 5.3 from its CVSS v3.1 vector")
    func swiftPinMatchesRapidReset() throws {
        let data = try Data(contentsOf: OSVFixtures.folder.appendingPathComponent("Package.resolved.v2.osv-scanner-testdata.json"))
        let pins = try PackageResolvedInventory.parse(data, file: "Package.resolved")
        #expect(pins.packages.map(\.name) == ["github.com/apple/swift-nio-http2", "github.com/pytorch/executorch"])
        let database = VulnerabilityScanner.Database(records: [try OSVFixtures.record("GHSA-qppj-fm5r-hxr3.osv.json")], unreadable: [], missing: false)
        let report = VulnerabilityScanner(maximumDatabaseAge: .seconds(100_000 * 86_400)).scan(pins.packages, database: database, now: Timestamp(iso8601: "2026-11-26")!)
        #expect(report.findings.count == 1)
        let finding = try #require(report.findings.first)
        #expect(finding.advisory == "GHSA-qppj-fm5r-hxr3" && finding.aliases.contains("CVE-2023-44487"))
        #expect(finding.installedVersion == "1.19.1" && finding.fixedVersion == "1.28.0")
        #expect(finding.cvssScore == 5.3 && finding.severity == .medium && finding.cvssVector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L")
        #expect(report.databaseProblems.isEmpty)
    }

    @Test("Debian source versions against ELTS and DSA records, by dpkg's ordering", arguments: [
        ("ELA-677-1.osv.json", "Debian:9", "zlib", "1:1.2.8.dfsg-5", "1:1.2.8.dfsg-5+deb9u2"),
        ("ELA-677-1.osv.json", "Debian:9", "zlib", "1:1.2.8.dfsg-5+deb9u1", "1:1.2.8.dfsg-5+deb9u2"),
        ("ELA-677-1.osv.json", "Debian:9", "zlib", "1:1.2.8.dfsg-5+deb9u2", nil),
        ("ELA-677-1.osv.json", "Debian:9", "zlib", "1.2.13.dfsg-1", "1:1.2.8.dfsg-5+deb9u2"),   // no epoch: older than any 1:…
        ("ELA-677-1.osv.json", "Debian:10", "zlib", "1:1.2.8.dfsg-5", nil),                     // another release
        ("ELA-953-1.osv.json", "Debian:9", "openssl", "1.1.0l-1~deb9u8", "1.1.0l-1~deb9u9"),
        ("ELA-953-1.osv.json", "Debian:9", "openssl", "1.1.0l-1", nil),                         // ~ sorts before the end
        ("ELA-1773-1.osv.json", "Debian:10", "openssl", "1.1.1n-0+deb10u9", "1.1.1n-0+deb10u10"),
        ("DSA-3029-1.schema-example.osv.json", "Debian:7", "nginx", "1.2.1-2.2+wheezy2", "1.2.1-2.2+wheezy3"),
        ("DSA-3029-1.schema-example.osv.json", "Debian:7", "nginx", "1.2.1-2.2+wheezy3", nil),
    ] as [(String, String, String, String, String?)])
    func debianRanges(file: String, ecosystem: String, name: String, version: String, fixed: String?) throws {
        let package = InstalledPackage(ecosystem: ecosystem, name: name, version: version, origin: "status")
        switch AdvisoryMatcher().evaluate(try OSVFixtures.record(file), against: package) {
        case .affected(let match): #expect(fixed != nil && match.fixedVersion == fixed, "\(match.evidence)")
        case .notAffected: #expect(fixed == nil)
        case .unevaluated(let reason): Issue.record("unevaluated: \(reason)")
        }
    }

    static let rangeRecord = """
        {"id": "TEST-1", "modified": "2026-01-01T00:00:00Z", "affected": [
          {"package": {"ecosystem": "SwiftURL", "name": "https://github.com/Example/Lib.git"},
           "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"last_affected": "1.4.2"}, {"introduced": "2.0.0-beta.1"}, {"fixed": "2.1.0"}]}],
           "versions": ["0.9.0"]},
          {"package": {"ecosystem": "SwiftURL", "name": "github.com/example/limited"},
           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"limit": "3.0.0"}]}]},
          {"ranges": [{"type": "GIT", "repo": "https://github.com/example/gitonly", "events": [{"introduced": "aaa111"}, {"fixed": "bbb222"}]}]}
        ]}
        """

    @Test("SEMVER events: introduced, last_affected, a second introduced and fixed; explicit versions; limit", arguments: [
        ("github.com/example/lib", "0.8.0", false),
        ("github.com/example/lib", "0.9.0", true),            // listed in versions
        ("github.com/example/lib", "1.0.0", true),
        ("github.com/example/lib", "1.4.2", true),            // last_affected is inclusive
        ("github.com/example/lib", "1.4.3", false),
        ("github.com/example/lib", "2.0.0-alpha", false),     // before the pre-release that introduced it
        ("github.com/example/lib", "2.0.0-beta.2", true),
        ("github.com/example/lib", "2.0.5", true),
        ("github.com/example/lib", "2.1.0", false),
        ("github.com/example/limited", "2.9.9", true),
        ("github.com/example/limited", "3.0.0", false),
    ])
    func semverEvents(name: String, version: String, affected: Bool) throws {
        let outcome = AdvisoryMatcher().evaluate(try OSVFixtures.synthetic(Self.rangeRecord),
                                                 against: InstalledPackage(ecosystem: "SwiftURL", name: name, version: version, origin: "p"))
        if case .affected = outcome { #expect(affected) } else { #expect(!affected, "\(outcome)") }
    }

    @Test("GIT ranges match a pinned revision only exactly; another revision is reported as unevaluated, never as clean")
    func gitRanges() throws {
        let record = try OSVFixtures.synthetic(Self.rangeRecord)
        func outcome(_ revision: String) -> AdvisoryMatcher.Outcome {
            AdvisoryMatcher().evaluate(record, against: InstalledPackage(ecosystem: "SwiftURL", name: "github.com/example/gitonly", version: "1.0.0",
                                                                         revision: revision, origin: "p"))
        }
        if case .affected = outcome("AAA111") {} else { Issue.record("the introducing commit must match") }
        if case .notAffected = outcome("bbb222") {} else { Issue.record("the fixing commit is not affected") }
        if case .unevaluated = outcome("ccc333") {} else { Issue.record("an unknown commit cannot be decided offline") }
    }

    @Test("a withdrawn advisory affects nothing; a version that does not parse is unevaluated")
    func withdrawnAndUnparsable() throws {
        let withdrawn = try OSVFixtures.synthetic(#"{"id": "W", "modified": "2026-01-01T00:00:00Z", "withdrawn": "2026-02-01T00:00:00Z", "affected": [{"package": {"ecosystem": "SwiftURL", "name": "github.com/a/b"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}"#)
        if case .notAffected = AdvisoryMatcher().evaluate(withdrawn, against: InstalledPackage(ecosystem: "SwiftURL", name: "github.com/a/b", version: "1.0.0", origin: "p")) {} else {
            Issue.record("withdrawn records are ignored")
        }
        let record = try OSVFixtures.synthetic(Self.rangeRecord)
        if case .unevaluated = AdvisoryMatcher().evaluate(record, against: InstalledPackage(ecosystem: "SwiftURL", name: "github.com/example/lib", version: "v1.2", origin: "p")) {} else {
            Issue.record("'v1.2' is not SemVer: unevaluated")
        }
    }
}
