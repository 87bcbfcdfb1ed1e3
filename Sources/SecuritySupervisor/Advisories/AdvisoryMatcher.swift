import Synchronization

/// Decides whether an OSV advisory affects an installed package, by the schema's evaluation rules.
///
/// An `affected` entry applies when its ecosystem equals the package's (`Debian:12`; `SwiftURL`
/// names compared after normalisation). The package is affected when its version is in the
/// entry's `versions` list, or inside one of its ranges:
/// * `SEMVER` and `ECOSYSTEM` ranges — events sorted by version (`introduced: "0"` first), then
///   walked: at or above `introduced` → affected; at or above `fixed` → not; above
///   `last_affected` → not; at or above a `limit` → not. Versions compare by the ecosystem's rules
///   (dpkg's for Debian, SemVer 2.0 precedence for SwiftURL); a version that does not parse under
///   those rules leaves the range unevaluated (counted, never silently "clean").
/// * `GIT` ranges name commits, and a version cannot be placed between commits without the
///   repository's history, which an offline scan does not have. A Swift pin's revision is
///   matched exactly: equal to an `introduced` or `last_affected` commit → affected; equal to a
///   `fixed` or `limit` commit → not; otherwise the range is unevaluated.
public struct AdvisoryMatcher: Sendable {
    /// A package an advisory affects.
    public struct Match: Sendable {
        public let advisory: OSVRecord
        /// The `affected` entry that matched (its severity, when given, is the package's).
        public let entry: OSVRecord.Affected
        public let package: InstalledPackage
        /// The lowest fixed version above the installed one in the range that matched (nil: no fix listed).
        public let fixedVersion: String?
        /// Which rule matched, in words.
        public let evidence: String
    }

    /// The result of one advisory against one package.
    public enum Outcome: Sendable {
        case affected(Match)
        case notAffected
        /// A range applied to the package but could not be evaluated (with the reason).
        case unevaluated(String)
    }

    /// Parsed versions, shared by every evaluation of one scan (advisories repeat the same versions).
    private let cache = VersionCache()

    /// Creates a matcher.
    public init() {}

    /// −1, 0, 1 under the ecosystem's version rules, or nil when either does not parse.
    public static func compare(_ a: String, _ b: String, ecosystem: String) -> Int? {
        VersionCache().compare(a, b, ecosystem: ecosystem)
    }

    private func compare(_ a: String, _ b: String, ecosystem: String) -> Int? {
        cache.compare(a, b, ecosystem: ecosystem)
    }

    /// Whether `record` affects `package`.
    public func evaluate(_ record: OSVRecord, against package: InstalledPackage) -> Outcome {
        guard record.withdrawn == nil else { return .notAffected }
        var unevaluated: String?
        for entry in record.affected ?? [] {
            guard let named = entry.package else {
                // An entry without a package names a repository through its GIT ranges.
                for range in entry.ranges ?? [] where range.type == "GIT" {
                    switch evaluateGit(range, package: package) {
                    case .some(true): return gitMatch(record, entry, range, package)
                    case .some(false): break
                    case .none:
                        if range.repo.map(InstalledPackage.normalisedSwiftURL) == package.name, package.ecosystem == "SwiftURL" {
                            unevaluated = unevaluated ?? "a GIT range cannot be evaluated without the repository's history"
                        }
                    }
                }
                continue
            }
            guard applies(named, to: package) else { continue }
            if let versions = entry.versions, versions.contains(where: { compare($0, package.version, ecosystem: package.ecosystem) == 0 || $0 == package.version }) {
                return .affected(Match(advisory: record, entry: entry, package: package, fixedVersion: nil, evidence: "version \(package.version) is listed as affected"))
            }
            for range in entry.ranges ?? [] {
                switch range.type {
                case "SEMVER", "ECOSYSTEM":
                    switch evaluate(range, version: package.version, ecosystem: package.ecosystem) {
                    case .affected(let fixed, let evidence):
                        return .affected(Match(advisory: record, entry: entry, package: package, fixedVersion: fixed, evidence: evidence))
                    case .notAffected: break
                    case .unevaluated(let reason): unevaluated = reason
                    }
                case "GIT":
                    switch evaluateGit(range, package: package) {
                    case .some(true): return gitMatch(record, entry, range, package)
                    case .some(false): break
                    case .none: unevaluated = unevaluated ?? "a GIT range cannot be evaluated without the repository's history"
                    }
                default:
                    unevaluated = "range type \(range.type) is not supported"
                }
            }
        }
        return unevaluated.map { .unevaluated($0) } ?? .notAffected
    }

    private func gitMatch(_ record: OSVRecord, _ entry: OSVRecord.Affected, _ range: OSVRecord.Range, _ package: InstalledPackage) -> Outcome {
        .affected(Match(advisory: record, entry: entry, package: package, fixedVersion: nil,
                        evidence: "revision \(package.revision ?? "") is an affected commit of \(range.repo ?? "the repository")"))
    }

    private func applies(_ named: OSVRecord.Package, to package: InstalledPackage) -> Bool {
        guard named.ecosystem == package.ecosystem else { return false }
        if package.ecosystem == "SwiftURL" { return InstalledPackage.normalisedSwiftURL(named.name) == package.name }
        return named.name == package.name
    }

    private enum RangeOutcome {
        case affected(fixed: String?, evidence: String)
        case notAffected
        case unevaluated(String)
    }

    private func evaluate(_ range: OSVRecord.Range, version: String, ecosystem: String) -> RangeOutcome {
        func order(_ a: String, _ b: String) -> Int? { a == "0" ? (b == "0" ? 0 : -1) : (b == "0" ? 1 : compare(a, b, ecosystem: ecosystem)) }
        guard order(version, version) != nil || version == "0" else { return .unevaluated("version \(version) does not parse under \(ecosystem) rules") }
        var events: [(version: String, event: OSVRecord.Event)] = []
        for event in range.events {
            guard let value = event.introduced ?? event.fixed ?? event.lastAffected ?? event.limit else { continue }
            guard order(value, value) != nil else { return .unevaluated("event version \(value) does not parse under \(ecosystem) rules") }
            events.append((value, event))
        }
        events.sort { order($0.version, $1.version)! < 0 }
        var affected = false
        var introducedAt: String?
        for (value, event) in events {
            let comparison = order(version, value)!
            if event.introduced != nil, comparison >= 0 {
                affected = true
                introducedAt = value
            } else if event.fixed != nil, comparison >= 0 {
                affected = false
            } else if event.lastAffected != nil, comparison > 0 {
                affected = false
            } else if event.limit != nil, comparison >= 0 {
                affected = false
            }
        }
        guard affected else { return .notAffected }
        let fixed = events.first { $0.event.fixed != nil && order(version, $0.version)! < 0 }?.version
        let bound = fixed.map { "fixed \($0)" } ?? events.first { $0.event.lastAffected != nil }.map { "last affected \($0.version)" } ?? "no fix"
        return .affected(fixed: fixed, evidence: "\(range.type) range: introduced \(introducedAt ?? "0"), \(bound)")
    }

    private func evaluateGit(_ range: OSVRecord.Range, package: InstalledPackage) -> Bool? {
        guard let revision = package.revision?.lowercased(), let repo = range.repo,
              package.ecosystem == "SwiftURL", InstalledPackage.normalisedSwiftURL(repo) == package.name else { return nil }
        for event in range.events {
            if event.fixed?.lowercased() == revision || event.limit?.lowercased() == revision { return false }
            if event.introduced?.lowercased() == revision || event.lastAffected?.lowercased() == revision { return true }
        }
        return nil
    }
}

/// Versions parsed once per scan, under each ecosystem's rules (nil when a text does not parse).
final class VersionCache: Sendable {
    private enum Parsed: Sendable {
        case debian(DebianVersion)
        case semantic(SemanticVersion)
        case invalid
    }

    private let parsed = Mutex<[String: Parsed]>([:])

    func compare(_ a: String, _ b: String, ecosystem: String) -> Int? {
        // Ubuntu packages are dpkg packages: the same version ordering.
        let debian = ecosystem.hasPrefix("Debian") || ecosystem.hasPrefix("Ubuntu")
        switch (version(a, debian: debian), version(b, debian: debian)) {
        case (.debian(let x), .debian(let y)): return DebianVersion.compare(x, y)
        case (.semantic(let x), .semantic(let y)): return SemanticVersion.compare(x, y)
        default: return nil
        }
    }

    private func version(_ text: String, debian: Bool) -> Parsed {
        let key = (debian ? "d:" : "s:") + text
        if let known = parsed.withLock({ $0[key] }) { return known }
        let value: Parsed = debian ? ((try? DebianVersion(text)).map(Parsed.debian) ?? .invalid) : ((try? SemanticVersion(text)).map(Parsed.semantic) ?? .invalid)
        parsed.withLock { $0[key] = value }
        return value
    }
}
