/// The malformed parts of a record that decodes: a range the scanner cannot evaluate as written, a
/// CVSS v3 vector that does not parse. Such a record is kept (it still names a vulnerable package,
/// and dropping it would hide that) and each problem is reported, naming the record, so that an
/// update counts them instead of passing them in silence.
extension OSVRecord {
    /// The range types OSV defines; any other is malformed.
    static let rangeTypes: Set<String> = ["ECOSYSTEM", "SEMVER", "GIT"]

    /// What is malformed in this record, one line per problem, each naming the record.
    public var problems: [String] {
        var problems: [String] = []
        for (index, entry) in (affected ?? []).enumerated() {
            let place = "\(id): affected[\(index)]"
            for (rangeIndex, range) in (entry.ranges ?? []).enumerated() {
                if !Self.rangeTypes.contains(range.type) { problems.append("\(place).ranges[\(rangeIndex)]: unknown range type '\(range.type)'") }
                if range.events.isEmpty { problems.append("\(place).ranges[\(rangeIndex)]: no events") }
                for (eventIndex, event) in range.events.enumerated() {
                    let fields = [event.introduced, event.fixed, event.lastAffected, event.limit].compactMap { $0 }
                    if fields.count != 1 {
                        problems.append("\(place).ranges[\(rangeIndex)].events[\(eventIndex)]: \(fields.count) of introduced, fixed, last_affected, limit (exactly one expected)")
                    }
                }
            }
            for severity in entry.severity ?? [] where severity.type == "CVSS_V3" {
                if case .failure(let error) = Result(catching: { () throws(CVSSVector.ParseError) in try CVSSVector(severity.score) }) {
                    problems.append("\(place).severity: \(error)")
                }
            }
        }
        for severity in severity ?? [] where severity.type == "CVSS_V3" {
            if case .failure(let error) = Result(catching: { () throws(CVSSVector.ParseError) in try CVSSVector(severity.score) }) {
                problems.append("\(id).severity: \(error)")
            }
        }
        return problems
    }
}
