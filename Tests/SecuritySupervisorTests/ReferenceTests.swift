import Foundation
import SecuritySupervisor
import Testing
import TestSupport

/// Cases computed by `scripts/reference/security.py` with dpkg 1.21.22 (`dpkg --compare-versions`),
/// the PyPI `semver` 3.1.2 and `cvss` 3.6 packages.
struct SecurityReference: Decodable {
    struct Pair: Decodable, CustomTestStringConvertible {
        let a: String
        let b: String
        let order: Int
        let group: String?
        var testDescription: String { "\(group ?? "-"): \(a) vs \(b)" }
    }

    struct Invalid: Decodable {
        let version: String
        let level: String?
    }

    struct Accepted: Decodable {
        let version: String
    }

    struct Score: Decodable {
        let vector: String
        let base_score: Double
        let severity: String
    }

    struct BadVector: Decodable {
        let vector: String
    }

    let debian_versions: [Pair]
    let debian_invalid: [Invalid]
    let debian_accepted_oddities: [Accepted]
    let semver: [Pair]
    let semver_invalid: [Invalid]
    let cvss31: [Score]
    let cvss_invalid: [BadVector]
    let cvss_accepted_noncanonical: [Score]

    static let shared: SecurityReference = {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("Tests/SecuritySupervisorTests/Fixtures/security_reference.json")
        return try! JSONDecoder().decode(SecurityReference.self, from: Data(contentsOf: url))
    }()
}

@Suite("Version ordering and CVSS against dpkg, semver and cvss")
struct ReferenceTests {
    @Test("Debian versions compare exactly as dpkg --compare-versions", arguments: SecurityReference.shared.debian_versions)
    func debianOrder(pair: SecurityReference.Pair) throws {
        let a = try DebianVersion(pair.a), b = try DebianVersion(pair.b)
        #expect(DebianVersion.compare(a, b) == pair.order)
        #expect(DebianVersion.compare(b, a) == -pair.order)
    }

    @Test("versions dpkg calls errors are refused; the odd ones it accepts parse")
    func debianValidity() {
        for invalid in SecurityReference.shared.debian_invalid where invalid.level == "error" {
            #expect(throws: DebianVersion.ParseError.self, "\(invalid.version.debugDescription)") { try DebianVersion(invalid.version) }
        }
        for accepted in SecurityReference.shared.debian_accepted_oddities {
            #expect(throws: Never.self, "\(accepted.version.debugDescription)") { try DebianVersion(accepted.version) }
        }
    }

    @Test("SemVer precedence as the semver package orders it", arguments: SecurityReference.shared.semver)
    func semverOrder(pair: SecurityReference.Pair) throws {
        let a = try SemanticVersion(pair.a), b = try SemanticVersion(pair.b)
        #expect(SemanticVersion.compare(a, b) == pair.order)
        #expect(SemanticVersion.compare(b, a) == -pair.order)
    }

    @Test("strings the semver package rejects are refused")
    func semverValidity() {
        for invalid in SecurityReference.shared.semver_invalid {
            #expect(throws: SemanticVersion.ParseError.self, "\(invalid.version.debugDescription)") { try SemanticVersion(invalid.version) }
        }
    }

    @Test("CVSS v3.1 base scores and ratings equal the cvss package's", arguments: SecurityReference.shared.cvss31 + SecurityReference.shared.cvss_accepted_noncanonical)
    func cvssScores(reference: SecurityReference.Score) throws {
        let vector = try CVSSVector(reference.vector)
        #expect(vector.baseScore == reference.base_score)
        #expect(vector.severity == reference.severity)
    }

    @Test("malformed vectors are refused with a reason")
    func cvssInvalid() {
        for bad in SecurityReference.shared.cvss_invalid {
            #expect(throws: CVSSVector.ParseError.self, "\(bad.vector.debugDescription)") { try CVSSVector(bad.vector) }
        }
    }
}

extension SecurityReference.Score: CustomTestStringConvertible {
    var testDescription: String { vector }
}
