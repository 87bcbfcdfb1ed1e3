/// A Semantic Versioning 2.0.0 version, ordered by the specification's precedence rules: major,
/// minor and patch numerically; a pre-release sorts before its release; pre-release identifiers
/// compare one by one (numeric ones numerically and below alphanumeric ones, which compare in
/// ASCII order), a shorter list first when all before are equal; build metadata is ignored.
public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// MAJOR, MINOR and PATCH as digit strings: the specification sets no size limit.
    public let core: [String]
    public let preRelease: [String]
    public let build: [String]
    /// The text as given.
    public let description: String

    /// Why a string is not a semantic version.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let version: String
        public let reason: String
        public var description: String { "'\(version)' is not a semantic version: \(reason)" }
    }

    /// Parses `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]` strictly by the specification's grammar.
    public init(_ text: String) throws(ParseError) {
        var core = Substring(text)
        var buildPart: Substring?
        var prePart: Substring?
        if let plus = core.firstIndex(of: "+") {
            buildPart = core[core.index(after: plus)...]
            core = core[..<plus]
        }
        if let hyphen = core.firstIndex(of: "-") {
            prePart = core[core.index(after: hyphen)...]
            core = core[..<hyphen]
        }
        let numbers = core.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3 else { throw ParseError(version: text, reason: "it needs exactly MAJOR.MINOR.PATCH") }
        for number in numbers {
            guard !number.isEmpty, number.allSatisfy(\.isASCIIDigit) else { throw ParseError(version: text, reason: "'\(number)' is not a number") }
            guard number == "0" || number.first != "0" else { throw ParseError(version: text, reason: "'\(number)' has a leading zero") }
        }
        func identifiers(_ part: Substring?, numericRule: Bool) throws(ParseError) -> [String] {
            guard let part else { return [] }
            let list = part.split(separator: ".", omittingEmptySubsequences: false)
            for identifier in list {
                guard !identifier.isEmpty else { throw ParseError(version: text, reason: "an empty identifier") }
                guard identifier.allSatisfy({ $0.isASCIIDigit || $0.isASCIILetter || $0 == "-" }) else {
                    throw ParseError(version: text, reason: "'\(identifier)' has a character other than [0-9A-Za-z-]")
                }
                if numericRule, identifier.allSatisfy(\.isASCIIDigit), identifier.count > 1, identifier.first == "0" {
                    throw ParseError(version: text, reason: "the numeric identifier '\(identifier)' has a leading zero")
                }
            }
            return list.map(String.init)
        }
        self.core = numbers.map(String.init)
        preRelease = try identifiers(prePart, numericRule: true)
        build = try identifiers(buildPart, numericRule: false)
        description = text
    }

    public static func == (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool { compare(lhs, rhs) == 0 }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(core)
        hasher.combine(preRelease)
    }

    public static func < (lhs: SemanticVersion, rhs: SemanticVersion) -> Bool { compare(lhs, rhs) < 0 }

    /// −1, 0 or 1 by precedence.
    public static func compare(_ lhs: SemanticVersion, _ rhs: SemanticVersion) -> Int {
        for (a, b) in zip(lhs.core, rhs.core) where a != b { return numericOrder(a, b) }
        switch (lhs.preRelease.isEmpty, rhs.preRelease.isEmpty) {
        case (true, true): return 0
        case (true, false): return 1
        case (false, true): return -1
        case (false, false): break
        }
        for (a, b) in zip(lhs.preRelease, rhs.preRelease) where a != b {
            let numberA = a.allSatisfy(\.isASCIIDigit) ? a : nil, numberB = b.allSatisfy(\.isASCIIDigit) ? b : nil
            switch (numberA, numberB) {
            case (.some(let x), .some(let y)): return numericOrder(x, y)
            case (.some, .none): return -1
            case (.none, .some): return 1
            case (.none, .none): return Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) ? -1 : 1
            }
        }
        if lhs.preRelease.count == rhs.preRelease.count { return 0 }
        return lhs.preRelease.count < rhs.preRelease.count ? -1 : 1
    }

    /// Two different digit strings without leading zeros (the grammar forbids them), by value.
    private static func numericOrder(_ a: String, _ b: String) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        return Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) ? -1 : 1
    }
}
