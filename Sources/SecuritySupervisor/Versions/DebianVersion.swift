/// A Debian package version `[epoch:]upstream[-revision]`, ordered exactly as
/// `dpkg --compare-versions` orders them (checked against dpkg itself in the tests).
///
/// Comparison: epochs numerically; then upstream and revision each by dpkg's `verrevcmp`:
/// alternately a run of non-digits, compared character by character where `~` sorts before
/// everything (even the end of the string), letters before non-letters; and a run of digits,
/// compared numerically. A missing revision is the empty string (equal to `0`).
public struct DebianVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let epoch: Int
    public let upstream: String
    public let revision: String
    /// The text as given.
    public let description: String

    /// Why a string is not a Debian version.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let version: String
        public let reason: String
        public var description: String { "'\(version)' is not a Debian version: \(reason)" }
    }

    /// Parses a version as dpkg does (`parseversion`), with its checks.
    public init(_ text: String) throws(ParseError) {
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty else { throw ParseError(version: text, reason: "it is empty") }
        guard !trimmed.contains(where: { $0 == " " || $0 == "\t" }) else { throw ParseError(version: text, reason: "it contains embedded spaces") }
        var rest = Substring(trimmed)
        if let colon = rest.firstIndex(of: ":") {
            let epochText = rest[..<colon]
            guard !epochText.isEmpty else { throw ParseError(version: text, reason: "the epoch is empty") }
            guard epochText.allSatisfy(\.isASCIIDigit) else { throw ParseError(version: text, reason: "the epoch is not a number") }
            guard let value = Int(epochText), value <= Int(Int32.max) else { throw ParseError(version: text, reason: "the epoch is too big") }
            epoch = value
            rest = rest[rest.index(after: colon)...]
            guard !rest.isEmpty else { throw ParseError(version: text, reason: "nothing after the colon in the epoch") }
        } else {
            epoch = 0
        }
        if let hyphen = rest.lastIndex(of: "-") {
            upstream = String(rest[..<hyphen])
            revision = String(rest[rest.index(after: hyphen)...])
            guard !revision.isEmpty else { throw ParseError(version: text, reason: "the revision is empty") }
        } else {
            upstream = String(rest)
            revision = ""
        }
        guard !upstream.isEmpty else { throw ParseError(version: text, reason: "the version number is empty") }
        guard upstream.first!.isASCIIDigit else { throw ParseError(version: text, reason: "the version number does not start with a digit") }
        let allowed: (Character) -> Bool = { $0.isASCIIDigit || $0.isASCIILetter || ".-+~:".contains($0) }
        guard upstream.allSatisfy(allowed) else { throw ParseError(version: text, reason: "invalid character in the version number") }
        guard revision.allSatisfy({ $0.isASCIIDigit || $0.isASCIILetter || ".+~".contains($0) }) else {
            throw ParseError(version: text, reason: "invalid character in the revision number")
        }
        description = trimmed
    }

    public static func < (lhs: DebianVersion, rhs: DebianVersion) -> Bool { compare(lhs, rhs) < 0 }

    public static func == (lhs: DebianVersion, rhs: DebianVersion) -> Bool { compare(lhs, rhs) == 0 }

    public func hash(into hasher: inout Hasher) {
        // Equal versions may be spelled differently (`0:1.0` and `1.0`); hash what compares.
        hasher.combine(epoch)
    }

    /// −1, 0 or 1 as dpkg orders the two.
    public static func compare(_ lhs: DebianVersion, _ rhs: DebianVersion) -> Int {
        if lhs.epoch != rhs.epoch { return lhs.epoch < rhs.epoch ? -1 : 1 }
        let upstream = compareParts(Array(lhs.upstream.utf8), Array(rhs.upstream.utf8))
        if upstream != 0 { return upstream }
        return compareParts(Array(lhs.revision.utf8), Array(rhs.revision.utf8))
    }

    /// dpkg's character weight in a non-digit run: `~` lowest, then the end, letters, others.
    private static func order(_ byte: UInt8?) -> Int {
        guard let byte else { return 0 }
        if byte == UInt8(ascii: "~") { return -1 }
        if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { return 0 }
        if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) { return Int(byte) }
        return Int(byte) + 256
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    /// dpkg's `verrevcmp`.
    private static func compareParts(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var i = 0, j = 0
        while i < a.count || j < b.count {
            var firstDifference = 0
            while (i < a.count && !isDigit(a[i])) || (j < b.count && !isDigit(b[j])) {
                let ac = order(i < a.count ? a[i] : nil), bc = order(j < b.count ? b[j] : nil)
                if ac != bc { return ac < bc ? -1 : 1 }
                i += 1
                j += 1
            }
            while i < a.count && a[i] == UInt8(ascii: "0") { i += 1 }
            while j < b.count && b[j] == UInt8(ascii: "0") { j += 1 }
            while i < a.count && isDigit(a[i]) && j < b.count && isDigit(b[j]) {
                if firstDifference == 0 && a[i] != b[j] { firstDifference = Int(a[i]) - Int(b[j]) }
                i += 1
                j += 1
            }
            if i < a.count && isDigit(a[i]) { return 1 }
            if j < b.count && isDigit(b[j]) { return -1 }
            if firstDifference != 0 { return firstDifference < 0 ? -1 : 1 }
        }
        return 0
    }
}

extension Character {
    // Byte tests, not Unicode properties: version strings are ASCII and these run per character.
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 48 && $0 <= 57 } ?? false }
    var isASCIILetter: Bool { asciiValue.map { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) } ?? false }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
