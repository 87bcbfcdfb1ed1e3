import Foundation
import TradingCore

/// One advisory in the OSV format (https://ossf.github.io/osv-schema/), the fields a scan uses.
public struct OSVRecord: Sendable, Decodable {
    public let id: String
    /// When the record last changed (RFC 3339 text as given, and parsed).
    public let modified: String
    public let withdrawn: String?
    public let aliases: [String]?
    /// Debian ELTS records name their CVEs here rather than in `aliases`.
    public let related: [String]?
    public let summary: String?
    public let severity: [Severity]?
    public let affected: [Affected]?
    public let databaseSpecific: DatabaseSpecific?

    /// A severity entry (`CVSS_V3` vectors are scored; `CVSS_V4` and others are kept as text).
    public struct Severity: Sendable, Decodable, Hashable {
        public let type: String
        public let score: String
    }

    /// The `database_specific` member: only the GitHub-style severity word is read.
    public struct DatabaseSpecific: Sendable, Decodable, Hashable {
        public let severity: String?
    }

    /// One affected package with its ranges and explicit versions.
    public struct Affected: Sendable, Decodable {
        public let package: Package?
        public let ranges: [Range]?
        public let versions: [String]?
        public let severity: [Severity]?
        public let databaseSpecific: DatabaseSpecific?

        enum CodingKeys: String, CodingKey {
            case package, ranges, versions, severity
            case databaseSpecific = "database_specific"
        }
    }

    /// The package an entry is about.
    public struct Package: Sendable, Decodable, Hashable {
        public let ecosystem: String
        public let name: String
    }

    /// A range of affected versions: `SEMVER`, `ECOSYSTEM` or `GIT` events.
    public struct Range: Sendable, Decodable {
        public let type: String
        public let repo: String?
        public let events: [Event]
    }

    /// One event of a range: exactly one member is set.
    public struct Event: Sendable, Decodable, Hashable {
        public let introduced: String?
        public let fixed: String?
        public let lastAffected: String?
        public let limit: String?

        enum CodingKeys: String, CodingKey {
            case introduced, fixed, limit
            case lastAffected = "last_affected"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, modified, withdrawn, aliases, related, summary, severity, affected
        case databaseSpecific = "database_specific"
    }

    /// Why bytes are not an OSV record.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let source: String
        public let reason: String
        public var description: String { "\(source): \(reason)" }
    }

    /// Decodes one record; `source` names the file (and archive entry) in errors.
    public static func parse(_ data: Data, source: String) throws(ParseError) -> OSVRecord {
        let record: OSVRecord
        do {
            record = try JSONDecoder().decode(OSVRecord.self, from: data)
        } catch let error as DecodingError {
            throw ParseError(source: source, reason: "not an OSV record: \(Self.describe(error))")
        } catch {
            throw ParseError(source: source, reason: "not an OSV record: \(error)")
        }
        guard !record.id.isEmpty else { throw ParseError(source: source, reason: "the id is empty") }
        guard record.modifiedTime != nil else { throw ParseError(source: source, reason: "'modified' is not an RFC 3339 time: \(record.modified)") }
        return record
    }

    /// `modified` as a time.
    public var modifiedTime: Timestamp? { Timestamp(iso8601: modified) }

    /// Aliases and related identifiers (CVE ids), without repeats.
    public var otherIdentifiers: [String] {
        var seen: Set<String> = []
        return ((aliases ?? []) + (related ?? [])).filter { seen.insert($0).inserted }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context): "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            "'\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        @unknown default: "\(error)"
        }
    }
}
