/// One OHLCV bar. `openTime` is the start of the bar; the bar is closed at `openTime + timeframe`.
public struct Bar: Sendable, Hashable {
    /// The instant the bar opens (its label, as exchanges and ccxt use it).
    public let openTime: Timestamp
    /// The first traded price.
    public let open: Price
    /// The highest traded price.
    public let high: Price
    /// The lowest traded price.
    public let low: Price
    /// The last traded price.
    public let close: Price
    /// The traded quantity, nil when the source has none (close-only series).
    public let volume: Quantity?

    /// Creates a bar after checking that prices are positive, `low ≤ open, close ≤ high` and the
    /// volume is not negative.
    public init(openTime: Timestamp, open: Price, high: Price, low: Price, close: Price, volume: Quantity?) throws(BarValidationError) {
        for (field, price) in [("open", open), ("high", high), ("low", low), ("close", close)] where !price.value.isPositive {
            throw BarValidationError(field: field, reason: "price must be greater than zero, got \(price)")
        }
        guard low <= high else { throw BarValidationError(field: "low", reason: "low \(low) is above high \(high)") }
        guard low <= open, open <= high else { throw BarValidationError(field: "open", reason: "open \(open) is outside low \(low) … high \(high)") }
        guard low <= close, close <= high else { throw BarValidationError(field: "close", reason: "close \(close) is outside low \(low) … high \(high)") }
        if let volume, volume.value.isNegative {
            throw BarValidationError(field: "volume", reason: "volume must not be negative, got \(volume)")
        }
        self.openTime = openTime
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }

    /// A bar known only by its closing price: open, high and low equal the close and volume is unknown.
    public static func closeOnly(openTime: Timestamp, close: Price) throws(BarValidationError) -> Bar {
        try Bar(openTime: openTime, open: close, high: close, low: close, close: close, volume: nil)
    }

    /// The instant the bar closes, given its timeframe.
    public func closeTime(timeframe: Timeframe) -> Timestamp {
        openTime.adding(milliseconds: timeframe.milliseconds)
    }
}

/// A bar whose values break an OHLC rule, naming the field and why.
public struct BarValidationError: Error, Sendable, Equatable {
    /// The field at fault.
    public let field: String
    /// A human explanation.
    public let reason: String
}
