import Foundation
import SecuritySupervisor
import Testing
import TradingCore

@Suite("Security score and database problems")
struct SecurityScoreTests {
    static func record(_ id: String, package: String, vector: String?) throws -> OSVRecord {
        let severity = vector.map { #", "severity": [{"type": "CVSS_V3", "score": "\#($0)"}]"# } ?? ""
        return try OSVFixtures.synthetic(#"""
            {"id": "\#(id)", "modified": "2026-11-20T00:00:00Z"\#(severity), "affected": [{"package": {"ecosystem": "Debian:12", "name": "\#(package)"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0-1"}]}]}]}
            """#)
    }

    static let critical = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"   // 9.8

    @Test("findings cost points by severity, at most 25 per package; the breakdown says why")
    func breakdown() throws {
        let records = try (1...3).map { try Self.record("C-\($0)", package: "openssl", vector: Self.critical) } + [try Self.record("U-1", package: "zlib", vector: nil)]
        let packages = ["openssl", "zlib"].map { InstalledPackage(ecosystem: "Debian:12", name: $0, version: "1.0-1", origin: "status") }
        let report = VulnerabilityScanner().scan(packages, database: .init(records: records, unreadable: [], missing: false), now: Timestamp(iso8601: "2026-11-26")!)
        #expect(report.findings.map(\.severity) == [.critical, .critical, .critical, .unknown])
        let score = SecurityScore(report: report, checks: [("disk", .degraded)], postureProblems: ["running as root"])
        #expect(score.deductions.map(\.points) == [25, 6, 3, 8])
        #expect(score.deductions[0].reason.contains("3 CRITICAL") && score.deductions[0].reason.contains("capped at 25"))
        #expect(score.score == 100 - 25 - 6 - 3 - 8)
    }

    @Test("a missing, stale or partly unreadable database is a problem with a penalty, never a clean result", arguments: [
        (0, true, "2026-11-20T00:00:00Z", ["database_missing"], 60),
        (1, false, "2026-10-01T00:00:00Z", ["database_stale"], 85),
        (1, false, "2026-11-20T00:00:00Z", [], 100),
    ])
    func databaseProblems(recordCount: Int, missing: Bool, modified: String, codes: [String], score: Int) throws {
        let records = try (0..<recordCount).map { _ in
            try OSVFixtures.synthetic(#"{"id": "R", "modified": "\#(modified)", "affected": []}"#)
        }
        let report = VulnerabilityScanner(maximumDatabaseAge: .seconds(7 * 86_400))
            .scan([], database: .init(records: records, unreadable: [], missing: missing), now: Timestamp(iso8601: "2026-11-26")!)
        #expect(report.databaseProblems.map(\.code) == codes)
        #expect(SecurityScore(report: report).score == score)
        let unreadable = VulnerabilityScanner().scan([], database: .init(records: records, unreadable: ["db/x.json: bad"], missing: false),
                                                     now: Timestamp(iso8601: "2026-11-21")!)
        #expect(unreadable.databaseProblems.map(\.code).contains("database_unreadable"))
    }
}
