/// The price of one unit of an instrument, in its quote currency (exact fixed point).
public struct Price: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The exact value.
    public let value: FixedDecimal

    /// Wraps an exact decimal value.
    public init(_ value: FixedDecimal) { self.value = value }

    /// Parses exact decimal text, or returns nil.
    public init?(_ text: String) {
        guard let value = FixedDecimal(text) else { return nil }
        self.value = value
    }

    public static func < (lhs: Price, rhs: Price) -> Bool { lhs.value < rhs.value }
    public var description: String { value.description }
    public init(from decoder: any Decoder) throws { value = try FixedDecimal(from: decoder) }
    public func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
