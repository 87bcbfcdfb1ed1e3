/// Any member name of a JSON object, to list the members it has.
struct MemberName: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// Refuses an object (nested in a request) with a member outside `allowed`, as the document's
    /// `additionalProperties: false` says: a typo is refused, not ignored.
    func refuseMembers(except allowed: Set<String>) throws {
        let container = try container(keyedBy: MemberName.self)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: codingPath + [MemberName(stringValue: unknown)],
                debugDescription: "is not a member here; allowed: \(allowed.sorted().joined(separator: ", "))"))
        }
    }
}
