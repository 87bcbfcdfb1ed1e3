/// A quantity with a unit (a price, an amount of an asset) carried by one exact `FixedDecimal`.
/// The unit lives in the conforming type, so a price cannot be passed where a quantity belongs.
public protocol DecimalQuantity: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The exact value.
    var value: FixedDecimal { get }
    /// Wraps an exact decimal value.
    init(_ value: FixedDecimal)
}

extension DecimalQuantity {
    /// Parses exact decimal text, or returns nil.
    public init?(_ text: String) {
        guard let value = FixedDecimal(text) else { return nil }
        self.init(value)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
    public var description: String { value.description }
    public init(from decoder: any Decoder) throws { self.init(try FixedDecimal(from: decoder)) }
    public func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
