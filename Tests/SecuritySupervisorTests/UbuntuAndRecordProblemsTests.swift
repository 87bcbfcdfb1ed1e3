import Foundation
import SecuritySupervisor
import Testing
import TradingCore

@Suite("Ubuntu packages, malformed record parts, and the advice beside each deduction")
struct UbuntuAndRecordProblemsTests {
    /// An advisory in the shape of Ubuntu's OSV records (UBUNTU-CVE-…, ecosystem `Ubuntu:22.04:LTS`,
    /// source package and dpkg versions); the versions are those of jammy's openssl updates.
    static let ubuntuRecord = #"""
        {"id": "UBUNTU-CVE-2024-5535", "modified": "2026-11-20T00:00:00Z", "aliases": ["CVE-2024-5535"],
         "affected": [{"package": {"ecosystem": "Ubuntu:22.04:LTS", "name": "openssl"},
                       "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.2-0ubuntu1.18"}]}]}],
         "severity": [{"type": "Ubuntu", "score": "low"}]}
        """#

    @Test("Ubuntu packages match Ubuntu advisories of their release by dpkg's ordering", arguments: [
        ("Ubuntu:22.04:LTS", "3.0.2-0ubuntu1.10", true),
        ("Ubuntu:22.04:LTS", "3.0.2-0ubuntu1.18", false),
        ("Ubuntu:22.04:LTS", "3.0.2-0ubuntu1.18+esm1", false),   // + sorts after the end: a later version
        ("Ubuntu:22.04:LTS", "3.0.2-0ubuntu1.9", true),          // 9 < 18 as numbers, not as text
        ("Ubuntu:24.04:LTS", "3.0.2-0ubuntu1.10", false),        // another release
    ])
    func ubuntuMatching(ecosystem: String, version: String, affected: Bool) throws {
        let record = try OSVRecord.parse(Data(Self.ubuntuRecord.utf8), source: "test")
        let package = InstalledPackage(ecosystem: ecosystem, name: "openssl", version: version, origin: "status")
        let report = VulnerabilityScanner(maximumDatabaseAge: .seconds(100_000 * 86_400))
            .scan([package], database: .init(records: [record], unreadable: [], missing: false), now: Timestamp(iso8601: "2026-11-26")!)
        #expect(report.findings.map(\.advisory) == (affected ? ["UBUNTU-CVE-2024-5535"] : []))
        #expect(report.unevaluated.isEmpty)
    }

    @Test("malformed ranges, events and CVSS vectors are listed, each naming the record and the place; a sound record has none", arguments: [
        (#"{"ranges": [{"type": "WEIRD", "events": [{"introduced": "0"}]}]}"#, "affected[0].ranges[0]: unknown range type 'WEIRD'"),
        (#"{"ranges": [{"type": "ECOSYSTEM", "events": []}]}"#, "affected[0].ranges[0]: no events"),
        (#"{"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}]}"#, "events[0]: 2 of introduced"),
        (#"{"ranges": [{"type": "ECOSYSTEM", "events": [{}]}]}"#, "events[0]: 0 of introduced"),
        (#"{"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N"}]}"#, "affected[0].severity: 'CVSS:3.1/AV:N' is not a CVSS v3 vector"),
        (#"{"ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2"}]}], "severity": [{"type": "CVSS_V4", "score": "anything"}]}"#, nil),
    ] as [(String, String?)])
    func recordProblems(affected: String, expected: String?) throws {
        let record = try OSVRecord.parse(Data(#"{"id": "R-1", "modified": "2026-11-20T00:00:00Z", "affected": [\#(affected)]}"#.utf8), source: "test")
        if let expected {
            #expect(record.problems.count == 1)
            #expect(record.problems.first?.hasPrefix("R-1") == true && record.problems.first?.contains(expected) == true, "\(record.problems)")
        } else {
            #expect(record.problems.isEmpty)
        }
    }

    @Test("every deduction says what it means and the one command or change that removes it")
    func advice() throws {
        let missing = VulnerabilityScanner().scan([InstalledPackage(ecosystem: "Debian:12", name: "zlib", version: "1:1.2.13.dfsg-1", origin: "status")],
                                                  database: .init(records: [], unreadable: [], missing: true), now: Timestamp(iso8601: "2026-11-26")!)
        let score = SecurityScore(report: missing, results: [
            HealthCheckResult(name: "disk.space", status: .failed, value: 97, threshold: "fail ≥ 95 %", message: "97 % of /data used"),
            HealthCheckResult(name: "posture.api_key", status: .degraded, value: nil, threshold: "", message: "the configured admin key has 4 characters"),
            HealthCheckResult(name: "posture.user", status: .ok, value: nil, threshold: "", message: "runs as uid 10001"),
        ])
        #expect(score.deductions.map(\.points) == [40, 10, 8])
        #expect(score.deductions[0].remedy.hasPrefix("orchestrator scan update") && score.deductions[0].meaning.contains("1 installed package"))
        #expect(score.deductions[1].meaning == "97 % of /data used" && score.deductions[1].remedy.contains("free space"))
        #expect(score.deductions[2].remedy.contains("orchestrator apikey create"))
        #expect(score.score == 42)
        let records = try [
            #"{"id": "A-1", "modified": "2026-11-20T00:00:00Z", "affected": [{"package": {"ecosystem": "SwiftURL", "name": "github.com/apple/swift-nio-http2"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.28.0"}]}]}]}"#,
            #"{"id": "A-2", "modified": "2026-11-20T00:00:00Z", "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}"#,
        ].map { try OSVRecord.parse(Data($0.utf8), source: "test") }
        let packages = [InstalledPackage(ecosystem: "SwiftURL", name: "github.com/apple/swift-nio-http2", version: "1.19.1", origin: "Package.resolved"),
                        InstalledPackage(ecosystem: "Debian:12", name: "zlib", version: "1:1.2.13.dfsg-1", origin: "status")]
        let report = VulnerabilityScanner(maximumDatabaseAge: .seconds(100_000 * 86_400))
            .scan(packages, database: .init(records: records, unreadable: [], missing: false), now: Timestamp(iso8601: "2026-11-26")!)
        let remedies = SecurityScore(report: report, results: []).deductions.map(\.remedy)
        #expect(remedies.contains { $0.hasPrefix("no fixed version is published yet: follow A-2") })
        #expect(remedies.contains { $0.hasPrefix("swift package update swift-nio-http2") && $0.contains("1.28.0") })
    }
}
