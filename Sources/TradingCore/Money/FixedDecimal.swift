/// An exact decimal number with 18 fractional digits, stored as a 128-bit integer count of 10⁻¹⁸ units.
///
/// Accounting values (prices, quantities, cash) use this type and never binary floating point: a
/// decimal string round-trips exactly, and sums are exact. The range is about ±1.7 × 10²⁰, which
/// covers any price, quantity or notional a trading account will meet.
public struct FixedDecimal: Sendable, Hashable, Comparable {
    /// The number of fractional decimal digits every value carries.
    public static let fractionalDigits = 18
    /// 10¹⁸: the count of units in one whole.
    public static let unitsPerWhole: Int128 = 1_000_000_000_000_000_000

    /// The value in units of 10⁻¹⁸.
    public let units: Int128

    /// Creates a value from a raw count of 10⁻¹⁸ units.
    public init(units: Int128) {
        self.units = units
    }

    /// Creates a value from a whole number.
    public init(_ integer: Int) {
        self.units = Int128(integer) * Self.unitsPerWhole
    }

    /// The nearest value with `fractionalDigits` (0...18) fractional digits to a binary floating-point
    /// number, for turning an analytic figure (a weight, a target value) into an exact amount;
    /// nil when it is not finite or out of range.
    public init?(approximating value: Double, fractionalDigits: Int = 12) {
        precondition((0...Self.fractionalDigits).contains(fractionalDigits), "digits must be in 0...18")
        var scale = 1.0, step: Int128 = 1
        for _ in 0..<fractionalDigits { scale *= 10 }
        for _ in 0..<(Self.fractionalDigits - fractionalDigits) { step *= 10 }
        let scaled = (value * scale).rounded(.toNearestOrEven)
        // 1.7e38 is Int128's range; the product by `step` must stay inside it too.
        guard scaled.isFinite, abs(scaled) < 1.7e38 / Double(step) else { return nil }
        self.units = Int128(scaled) * step
    }

    /// Zero.
    public static let zero = FixedDecimal(units: 0)

    /// Whether the value is strictly greater than zero.
    public var isPositive: Bool { units > 0 }

    /// Whether the value is strictly below zero.
    public var isNegative: Bool { units < 0 }

    /// Whether the value is zero.
    public var isZero: Bool { units == 0 }

    /// The absolute value.
    public var absolute: FixedDecimal { FixedDecimal(units: units < 0 ? -units : units) }

    /// A binary floating-point approximation (within a few units in the last place), for analytics
    /// only, never for accounting. Computed from the two 64-bit halves of the magnitude: the
    /// generic Int128-to-Double conversion is an order of magnitude slower, and this runs per bar.
    public var doubleValue: Double {
        let magnitude = units.magnitude
        // `_high` and `_low` are the standard library's stored halves of UInt128.
        let value = (Double(magnitude._high) * 18_446_744_073_709_551_616.0 + Double(magnitude._low)) / 1e18
        return units < 0 ? -value : value
    }

    public static func < (lhs: FixedDecimal, rhs: FixedDecimal) -> Bool { lhs.units < rhs.units }

    /// Exact sum; traps on overflow like the integer operators.
    public static func + (lhs: FixedDecimal, rhs: FixedDecimal) -> FixedDecimal {
        FixedDecimal(units: lhs.units + rhs.units)
    }

    /// Exact sum that throws instead of trapping, for amounts that come from user input.
    public func adding(_ other: FixedDecimal) throws(DecimalArithmeticError) -> FixedDecimal {
        let (sum, overflow) = units.addingReportingOverflow(other.units)
        guard !overflow else { throw .overflow }
        return FixedDecimal(units: sum)
    }

    /// Exact difference; traps on overflow like the integer operators.
    public static func - (lhs: FixedDecimal, rhs: FixedDecimal) -> FixedDecimal {
        FixedDecimal(units: lhs.units - rhs.units)
    }

    /// The negated value.
    public static prefix func - (value: FixedDecimal) -> FixedDecimal {
        FixedDecimal(units: -value.units)
    }

    /// The product rounded to 18 fractional digits with the given rule.
    ///
    /// The full 256-bit product is formed first, so no precision is lost before the one rounding step.
    public func multiplied(by other: FixedDecimal, rounding: DecimalRounding = .toNearestOrEven) throws(DecimalArithmeticError) -> FixedDecimal {
        let negative = (units < 0) != (other.units < 0)
        let product = units.magnitude.multipliedFullWidth(by: other.units.magnitude)
        guard product.high < Self.unitsPerWhole.magnitude else { throw .overflow }
        let (quotient, remainder) = Self.unitsPerWhole.magnitude.dividingFullWidth(product)
        return try Self.rounded(quotient: quotient, remainder: remainder, divisor: Self.unitsPerWhole.magnitude,
                                negative: negative, rounding: rounding)
    }

    /// The quotient rounded to 18 fractional digits with the given rule.
    public func divided(by divisor: FixedDecimal, rounding: DecimalRounding = .toNearestOrEven) throws(DecimalArithmeticError) -> FixedDecimal {
        guard divisor.units != 0 else { throw .divisionByZero }
        let negative = (units < 0) != (divisor.units < 0)
        // (units * 10^18) / divisor, with a 256-bit intermediate.
        let scaled = units.magnitude.multipliedFullWidth(by: Self.unitsPerWhole.magnitude)
        guard scaled.high < divisor.units.magnitude else { throw .overflow }
        let (quotient, remainder) = divisor.units.magnitude.dividingFullWidth(scaled)
        return try Self.rounded(quotient: quotient, remainder: remainder, divisor: divisor.units.magnitude,
                                negative: negative, rounding: rounding)
    }

    private static func rounded(quotient: UInt128, remainder: UInt128, divisor: UInt128, negative: Bool,
                                rounding: DecimalRounding) throws(DecimalArithmeticError) -> FixedDecimal {
        var magnitude = quotient
        if remainder != 0 {
            let roundUp: Bool
            switch rounding {
            case .towardZero:
                roundUp = false
            case .awayFromZero:
                roundUp = true
            case .toNearestOrEven:
                // Compare 2·remainder with the divisor without overflowing.
                let half = divisor - remainder
                if remainder > half {
                    roundUp = true
                } else if remainder == half {
                    roundUp = quotient & 1 == 1
                } else {
                    roundUp = false
                }
            }
            if roundUp { magnitude += 1 }
        }
        guard magnitude <= UInt128(Int128.max) else { throw .overflow }
        let signed = Int128(magnitude)
        return FixedDecimal(units: negative ? -signed : signed)
    }

    /// The value rounded to a number of fractional digits (0...18); throws when rounding up
    /// passes the largest representable value.
    public func rounded(toFractionalDigits digits: Int, rounding: DecimalRounding = .toNearestOrEven) throws(DecimalArithmeticError) -> FixedDecimal {
        precondition((0...Self.fractionalDigits).contains(digits), "digits must be in 0...18")
        var step: Int128 = 1
        for _ in 0..<(Self.fractionalDigits - digits) { step *= 10 }
        let magnitude = units.magnitude
        let rounded = try Self.rounded(quotient: magnitude / step.magnitude, remainder: magnitude % step.magnitude,
                                       divisor: step.magnitude, negative: units < 0, rounding: rounding)
        let (scaled, overflow) = rounded.units.multipliedReportingOverflow(by: step)
        guard !overflow else { throw .overflow }
        return FixedDecimal(units: scaled)
    }
}

/// How a result that does not fit in 18 fractional digits is rounded.
public enum DecimalRounding: Sendable {
    /// Banker's rounding: to the nearest value, ties to the even last digit.
    case toNearestOrEven
    /// Truncation.
    case towardZero
    /// Up in magnitude whenever anything is discarded.
    case awayFromZero
}

/// Why a fixed-point operation has no representable result.
public enum DecimalArithmeticError: Error, Sendable, Equatable {
    /// The result is outside ±1.7 × 10²⁰.
    case overflow
    /// The divisor is zero.
    case divisionByZero
}
