import Foundation

/// A CVSS v3.0 or v3.1 vector and its base score, computed as the FIRST specification says
/// (checked against the `cvss` package in the tests): the impact sub-score from C/I/A, the
/// exploitability from AV/AC/PR/UI, the scope change, and the version's round-up.
public struct CVSSVector: Sendable, Hashable, CustomStringConvertible {
    /// `3.0` or `3.1`.
    public let version: String
    /// The base metrics, by abbreviation (`AV` → `N`).
    public let baseMetrics: [String: String]
    /// The vector as given.
    public let description: String

    /// Why a string is not a CVSS v3 vector.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let vector: String
        public let reason: String
        public var description: String { "'\(vector)' is not a CVSS v3 vector: \(reason)" }
    }

    static let base: [String: Set<String>] = [
        "AV": ["N", "A", "L", "P"], "AC": ["L", "H"], "PR": ["N", "L", "H"], "UI": ["N", "R"],
        "S": ["U", "C"], "C": ["H", "L", "N"], "I": ["H", "L", "N"], "A": ["H", "L", "N"],
    ]
    /// Temporal and environmental metrics: accepted and checked, not part of the base score.
    static let optional: [String: Set<String>] = [
        "E": ["X", "U", "P", "F", "H"], "RL": ["X", "O", "T", "W", "U"], "RC": ["X", "U", "R", "C"],
        "CR": ["X", "L", "M", "H"], "IR": ["X", "L", "M", "H"], "AR": ["X", "L", "M", "H"],
        "MAV": ["X", "N", "A", "L", "P"], "MAC": ["X", "L", "H"], "MPR": ["X", "N", "L", "H"], "MUI": ["X", "N", "R"],
        "MS": ["X", "U", "C"], "MC": ["X", "N", "L", "H"], "MI": ["X", "N", "L", "H"], "MA": ["X", "N", "L", "H"],
    ]

    /// Parses `CVSS:3.x/AV:_/AC:_/PR:_/UI:_/S:_/C:_/I:_/A:_[/…]`: every base metric exactly once.
    public init(_ text: String) throws(ParseError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let prefix = parts.first, prefix == "CVSS:3.1" || prefix == "CVSS:3.0" else {
            throw ParseError(vector: text, reason: "it must start with CVSS:3.1/ or CVSS:3.0/")
        }
        var metrics: [String: String] = [:]
        var optionalSeen: Set<String> = []
        for part in parts.dropFirst() {
            let pair = part.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard pair.count == 2 else { throw ParseError(vector: text, reason: "'\(part)' is not METRIC:VALUE") }
            let (name, value) = (pair[0], pair[1])
            if let allowed = Self.base[name] {
                guard metrics[name] == nil else { throw ParseError(vector: text, reason: "\(name) is given twice") }
                guard allowed.contains(value) else { throw ParseError(vector: text, reason: "\(name):\(value) is not a valid value") }
                metrics[name] = value
            } else if let allowed = Self.optional[name] {
                guard optionalSeen.insert(name).inserted else { throw ParseError(vector: text, reason: "\(name) is given twice") }
                guard allowed.contains(value) else { throw ParseError(vector: text, reason: "\(name):\(value) is not a valid value") }
            } else {
                throw ParseError(vector: text, reason: "unknown metric \(name)")
            }
        }
        let missing = Self.base.keys.filter { metrics[$0] == nil }.sorted()
        guard missing.isEmpty else { throw ParseError(vector: text, reason: "missing base metric \(missing.joined(separator: ", "))") }
        version = String(prefix.dropFirst(5))
        baseMetrics = metrics
        description = text
    }

    /// The base score, 0.0 to 10.0 in steps of 0.1.
    public var baseScore: Double {
        let changed = baseMetrics["S"] == "C"
        func weight(_ metric: String) -> Double {
            switch (metric, baseMetrics[metric]!) {
            case ("AV", "N"): 0.85
            case ("AV", "A"): 0.62
            case ("AV", "L"): 0.55
            case ("AV", _): 0.2
            case ("AC", "L"): 0.77
            case ("AC", _): 0.44
            case ("PR", "N"): 0.85
            case ("PR", "L"): changed ? 0.68 : 0.62
            case ("PR", _): changed ? 0.5 : 0.27
            case ("UI", "N"): 0.85
            case ("UI", _): 0.62
            case (_, "H"): 0.56
            case (_, "L"): 0.22
            default: 0
            }
        }
        let impactSubScore = 1 - (1 - weight("C")) * (1 - weight("I")) * (1 - weight("A"))
        let impact = changed ? 7.52 * (impactSubScore - 0.029) - 3.25 * pow(impactSubScore - 0.02, 15) : 6.42 * impactSubScore
        let exploitability = 8.22 * weight("AV") * weight("AC") * weight("PR") * weight("UI")
        guard impact > 0 else { return 0 }
        return roundUp(min((changed ? 1.08 : 1) * (impact + exploitability), 10))
    }

    /// The rating of the base score: None, Low, Medium, High, Critical.
    public var severity: String { Self.rating(baseScore) }

    /// The qualitative rating of a CVSS v3 score.
    public static func rating(_ score: Double) -> String {
        switch score {
        case ..<0.1: "None"
        case ..<4.0: "Low"
        case ..<7.0: "Medium"
        case ..<9.0: "High"
        default: "Critical"
        }
    }

    /// The smallest one-decimal number ≥ x: v3.1 rounds on the integer of x·100,000 so that
    /// floating-point noise (4.000000000000001) does not round up; v3.0 is a plain ceiling.
    private func roundUp(_ value: Double) -> Double {
        if version == "3.0" { return (value * 10).rounded(.up) / 10 }
        let integer = Int((value * 100_000).rounded())
        if integer % 10_000 == 0 { return Double(integer) / 100_000 }
        return Double(integer / 10_000 + 1) / 10
    }
}
