/// A package found installed, as an advisory names it: an OSV ecosystem, a name and a version.
public struct InstalledPackage: Sendable, Hashable {
    /// `SwiftURL`, or `Debian:<release>`.
    public let ecosystem: String
    /// `github.com/owner/name` for Swift packages; the source package for Debian.
    public let name: String
    public let version: String
    /// The pinned commit of a Swift package (for GIT ranges), when known.
    public let revision: String?
    /// Where it was found (a file path, with the binary packages for Debian sources).
    public let origin: String

    /// Creates a package.
    public init(ecosystem: String, name: String, version: String, revision: String? = nil, origin: String) {
        self.ecosystem = ecosystem
        self.name = name
        self.version = version
        self.revision = revision
        self.origin = origin
    }

    /// `https://github.com/o/n.git`, `git@github.com:o/n`, `github.com/o/n/` → `github.com/o/n`
    /// (lower case), the form OSV's SwiftURL ecosystem uses.
    public static func normalisedSwiftURL(_ location: String) -> String {
        var text = Substring(location.trimmingWhitespace)
        for scheme in ["https://", "http://", "ssh://", "git://"] where text.lowercased().hasPrefix(scheme) { text = text.dropFirst(scheme.count) }
        if let at = text.firstIndex(of: "@"), !text[..<at].contains("/") { text = text[text.index(after: at)...] }
        // scp-like `host:owner/name`.
        if let colon = text.firstIndex(of: ":"), !text[..<colon].contains("/") {
            text = text[..<colon] + "/" + text[text.index(after: colon)...]
        }
        while text.hasSuffix("/") { text = text.dropLast() }
        if text.lowercased().hasSuffix(".git") { text = text.dropLast(4) }
        return text.lowercased()
    }
}
