/// The Debian source packages installed according to a dpkg status file, in OSV's `Debian:<release>`
/// ecosystem. Advisories name source packages (`openssl`), not binaries (`libssl3`): a binary's
/// `Source:` field gives its source and, in parentheses, the source version when it differs
/// from the binary's. Only packages whose status is `install ok installed` count.
public enum DebianInventory {
    /// Why the input cannot be read.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let file: String
        public let line: Int
        public let reason: String
        public var description: String { "\(file):\(line): \(reason)" }
    }

    /// The OSV ecosystem of an os-release file: `Debian:<major>` (`ID=debian`, `VERSION_ID="12"`), or
    /// `Ubuntu:<VERSION_ID>` with `:LTS` for a long-term release (`ID=ubuntu`, `VERSION_ID="22.04"`,
    /// `VERSION="22.04.5 LTS (Jammy Jellyfish)"` → `Ubuntu:22.04:LTS`, as OSV names it); nil for
    /// anything else (other derivatives have advisories of their own ecosystems, or none in OSV).
    public static func ecosystem(osRelease text: String) -> String? {
        let fields = osReleaseFields(text)
        guard let release = fields["VERSION_ID"], !release.isEmpty else { return nil }
        switch fields["ID"] {
        case "debian":
            return "Debian:\(release.split(separator: ".").first.map(String.init) ?? release)"
        case "ubuntu":
            let long = [fields["VERSION"], fields["PRETTY_NAME"]].contains { $0?.contains("LTS") == true }
            return "Ubuntu:\(release)\(long ? ":LTS" : "")"
        default:
            return nil
        }
    }

    /// The `KEY=value` fields of an os-release file, quotes removed, comments skipped.
    public static func osReleaseFields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let equals = line.firstIndex(of: "="), !line.hasPrefix("#") else { continue }
            var value = line[line.index(after: equals)...].trimmingWhitespace
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first { value = String(value.dropFirst().dropLast()) }
            fields[String(line[..<equals]).trimmingWhitespace] = value
        }
        return fields
    }

    /// The installed source packages (one per source name and version) from a dpkg status file.
    public static func parse(status text: String, ecosystem: String, file: String) throws(ParseError) -> [InstalledPackage] {
        var packages: [String: InstalledPackage] = [:]
        var binaries: [String: [String]] = [:]
        var fields: [String: String] = [:]
        var stanzaLine = 1
        var lastField: String?
        func finish() throws(ParseError) {
            defer {
                fields = [:]
                lastField = nil
            }
            guard !fields.isEmpty else { return }
            guard let name = fields["Package"] else { throw ParseError(file: file, line: stanzaLine, reason: "a stanza without a Package field") }
            guard fields["Status"]?.split(separator: " ").last == "installed" else { return }
            guard let version = fields["Version"] else { throw ParseError(file: file, line: stanzaLine, reason: "\(name) has no Version field") }
            var source = name, sourceVersion = version
            if let field = fields["Source"] {
                let parts = field.split(separator: " ", maxSplits: 1)
                source = String(parts[0])
                if parts.count == 2 {
                    let inner = parts[1].trimmingWhitespace
                    guard inner.hasPrefix("("), inner.hasSuffix(")") else {
                        throw ParseError(file: file, line: stanzaLine, reason: "\(name): Source '\(field)' is not 'name (version)'")
                    }
                    sourceVersion = String(inner.dropFirst().dropLast())
                }
            }
            do {
                _ = try DebianVersion(sourceVersion)
            } catch {
                throw ParseError(file: file, line: stanzaLine, reason: "\(name): \(error)")
            }
            let key = "\(source) \(sourceVersion)"
            binaries[key, default: []].append(name)
            packages[key] = InstalledPackage(ecosystem: ecosystem, name: source, version: sourceVersion, origin: file)
        }
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.trimmingWhitespace.isEmpty {
                try finish()
                stanzaLine = offset + 2
                continue
            }
            if line.first == " " || line.first == "\t" {
                // A continuation of a multi-line field (descriptions, conffiles): not needed.
                guard lastField != nil else { throw ParseError(file: file, line: offset + 1, reason: "a continuation line outside a field") }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { throw ParseError(file: file, line: offset + 1, reason: "'\(line.prefix(60))' is not 'Field: value'") }
            let name = String(line[..<colon])
            fields[name] = line[line.index(after: colon)...].trimmingWhitespace
            lastField = name
        }
        try finish()
        return packages.keys.sorted().map { key in
            let package = packages[key]!
            return InstalledPackage(ecosystem: package.ecosystem, name: package.name, version: package.version, origin: "\(file) (\(binaries[key]!.sorted().joined(separator: ", ")))")
        }
    }
}
