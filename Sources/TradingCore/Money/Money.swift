/// An amount of cash in one currency, exact fixed point.
public struct Money: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The exact amount.
    public let amount: FixedDecimal
    /// The ISO 4217 (or crypto asset) code, such as `USD` or `BTC`.
    public let currency: String

    /// Creates an amount in a currency.
    public init(_ amount: FixedDecimal, currency: String) {
        self.amount = amount
        self.currency = currency
    }

    /// The notional of a quantity at a price, rounded to 18 fractional digits.
    public static func notional(of quantity: Quantity, at price: Price, currency: String) throws(DecimalArithmeticError) -> Money {
        Money(try quantity.value.multiplied(by: price.value), currency: currency)
    }

    /// The sum of two amounts in the same currency; nil when the currencies differ.
    public func adding(_ other: Money) -> Money? {
        guard other.currency == currency else { return nil }
        return Money(amount + other.amount, currency: currency)
    }

    public var description: String { "\(amount) \(currency)" }
}
