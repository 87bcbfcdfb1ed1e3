import Foundation

/// The Swift packages pinned in a `Package.resolved` file, versions 1, 2 and 3:
/// v1 `{"object": {"pins": [{"package", "repositoryURL", "state": {"revision", "version"}}]}}`,
/// v2 and v3 `{"pins": [{"identity", "location", "state": {...}}]}` (v3 adds `originHash`).
/// A pin on a branch or a bare revision has no version: it is listed as skipped, not guessed.
public enum PackageResolvedInventory {
    /// The packages and the pins that could not be scanned by version.
    public struct Result: Sendable {
        public let packages: [InstalledPackage]
        /// `location (reason)` of each pin without a version.
        public let skipped: [String]
    }

    /// Why a file is not a Package.resolved.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let file: String
        public let reason: String
        public var description: String { "\(file): \(reason)" }
    }

    private struct Pin: Decodable {
        let identity: String?
        let package: String?
        let location: String?
        let repositoryURL: String?
        let state: State
    }

    private struct State: Decodable {
        let revision: String?
        let version: String?
        let branch: String?
    }

    private struct FileV1: Decodable {
        struct Object: Decodable { let pins: [Pin] }
        let object: Object
        let version: Int
    }

    private struct FileV2: Decodable {
        let pins: [Pin]
        let version: Int
    }

    private struct Header: Decodable { let version: Int }

    /// Reads the pins of a Package.resolved file's bytes; `file` names it in errors.
    public static func parse(_ data: Data, file: String) throws(ParseError) -> Result {
        let decoder = JSONDecoder()
        guard let header = try? decoder.decode(Header.self, from: data) else {
            throw ParseError(file: file, reason: "not a Package.resolved file: no top-level \"version\" number")
        }
        let pins: [Pin]
        do {
            switch header.version {
            case 1: pins = try decoder.decode(FileV1.self, from: data).object.pins
            case 2, 3: pins = try decoder.decode(FileV2.self, from: data).pins
            default: throw ParseError(file: file, reason: "Package.resolved version \(header.version) is not supported (1, 2 and 3 are)")
            }
        } catch let error as ParseError {
            throw error
        } catch {
            throw ParseError(file: file, reason: "its pins cannot be read (version \(header.version)): \(error)")
        }
        var packages: [InstalledPackage] = []
        var skipped: [String] = []
        for pin in pins {
            guard let location = pin.location ?? pin.repositoryURL else {
                skipped.append("\(pin.identity ?? pin.package ?? "?") (no location)")
                continue
            }
            guard let version = pin.state.version else {
                skipped.append("\(location) (pinned to \(pin.state.branch.map { "branch \($0)" } ?? "a revision"), no version)")
                continue
            }
            packages.append(InstalledPackage(ecosystem: "SwiftURL", name: InstalledPackage.normalisedSwiftURL(location), version: version,
                                             revision: pin.state.revision, origin: file))
        }
        return Result(packages: packages, skipped: skipped)
    }
}
