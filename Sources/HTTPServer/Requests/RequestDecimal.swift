import TradingCore

/// An exact amount in a request, written as the document says: a JSON string of digits with an
/// optional sign and fraction (`"-12.50"`); a JSON number, `+1`, `1e3` or `.5` are refused.
struct RequestDecimal: Decodable, Sendable {
    /// The amount.
    let value: FixedDecimal

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let text = try? container.decode(String.self) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a decimal number in a string, such as \"12.50\"")
        }
        guard Self.isWritten(text), let value = FixedDecimal(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a decimal number such as \"12.50\", got \"\(text)\"")
        }
        self.value = value
    }

    /// Whether `text` is digits with an optional leading `-` and an optional `.` fraction.
    static func isWritten(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "-" { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0 >= "0" && $0 <= "9" } }
    }
}
