/// One problem found in an input file: where it is and why it was rejected.
public struct ImportIssue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file name as the user gave it.
    public let file: String
    /// The 1-based line number.
    public let line: Int
    /// The column at fault, when one is.
    public let field: String?
    /// A human explanation.
    public let reason: String

    /// Creates an issue.
    public init(file: String, line: Int, field: String?, reason: String) {
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
    }

    /// `file:line: field: reason`, the form compilers use so editors can jump to it.
    public var description: String {
        "\(file):\(line): " + (field.map { "\($0): " } ?? "") + reason
    }
}

/// A rejected input file: every issue found (up to a limit) and how many there were in all.
public struct ImportRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The most issues kept; the rest are only counted.
    public static let issueLimit = 100

    /// The issues kept, in file order.
    public let issues: [ImportIssue]
    /// How many issues the file has in all.
    public let totalIssueCount: Int

    /// Creates a rejection.
    public init(issues: [ImportIssue], totalIssueCount: Int) {
        self.issues = issues
        self.totalIssueCount = totalIssueCount
    }

    public var description: String {
        var lines = issues.map(\.description)
        if totalIssueCount > issues.count { lines.append("… and \(totalIssueCount - issues.count) more issues") }
        return lines.joined(separator: "\n")
    }
}

/// Collects issues while a file is read, keeping the first `ImportRejection.issueLimit`.
struct ImportIssueCollector {
    let file: String
    private(set) var issues: [ImportIssue] = []
    private(set) var count = 0

    init(file: String) { self.file = file }

    mutating func add(line: Int, field: String?, reason: String) {
        count += 1
        if issues.count < ImportRejection.issueLimit {
            issues.append(ImportIssue(file: file, line: line, field: field, reason: reason))
        }
    }

    func throwIfAny() throws(ImportRejection) {
        if count > 0 { throw ImportRejection(issues: issues, totalIssueCount: count) }
    }
}
