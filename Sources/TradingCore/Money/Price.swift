/// The price of one unit of an instrument, in its quote currency (exact fixed point).
public struct Price: DecimalQuantity {
    /// The exact value.
    public let value: FixedDecimal

    /// Wraps an exact decimal value.
    public init(_ value: FixedDecimal) { self.value = value }
}
