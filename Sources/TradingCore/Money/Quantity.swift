/// An amount of an instrument's base asset (shares, coins, contracts), exact fixed point.
public struct Quantity: DecimalQuantity {
    /// The exact value.
    public let value: FixedDecimal

    /// Wraps an exact decimal value.
    public init(_ value: FixedDecimal) { self.value = value }
}
