/// An instrument's ticker, such as `BTC-USD`, `AAPL` or `^GSPC`: 1 to 32 characters from
/// `A-Z a-z 0-9 . - _ ^ / :`.
public struct Symbol: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The ticker text.
    public let rawValue: String

    /// Creates a symbol, or nil when the text is empty, too long or holds other characters.
    public init?(_ text: String) {
        guard Symbol.isValid(text) else { return nil }
        rawValue = text
    }

    /// The rule a symbol's text must follow, for error messages.
    public static let rule = "1 to 32 characters from A-Z a-z 0-9 . - _ ^ / :"

    /// Whether a text is a valid symbol.
    public static func isValid(_ text: String) -> Bool {
        let bytes = text.utf8
        guard (1...32).contains(bytes.count) else { return false }
        // A switch, not an array lookup: this runs per byte of every symbol a stream frame carries.
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "^"), UInt8(ascii: "/"), UInt8(ascii: ":"): true
            default: false
            }
        }
    }

    public static func < (lhs: Symbol, rhs: Symbol) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let symbol = Symbol(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "symbol must be \(Symbol.rule)")
        }
        self = symbol
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
