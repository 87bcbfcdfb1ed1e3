/// Why a text is not a decimal number.
public enum DecimalParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is empty.
    case empty
    /// The text holds a character that is not part of a decimal number.
    case invalidCharacter
    /// The value has more than 18 fractional digits that are not zero.
    case tooPrecise
    /// The value is outside the representable range.
    case outOfRange

    public var description: String {
        switch self {
        case .empty: "empty value"
        case .invalidCharacter: "not a decimal number"
        case .tooPrecise: "more than 18 fractional digits"
        case .outOfRange: "number out of range"
        }
    }
}

extension FixedDecimal: CustomStringConvertible, LosslessStringConvertible {
    /// Parses a decimal such as `-12.5`, `0.000053` or `5.33e-05` exactly (no floating point).
    public init?(_ description: String) {
        guard let value = try? FixedDecimal(parsing: description.utf8) else { return nil }
        self = value
    }

    /// Parses a slice of bytes (a field of a message buffer). Not generic, so callers in other
    /// modules get the parser specialised here instead of the generic one through witness tables.
    public init(parsingSlice text: ArraySlice<UInt8>) throws(DecimalParseError) {
        self = try FixedDecimal(parsing: text)
    }

    /// Parses a decimal from UTF-8 bytes exactly, with a reason when it is not one.
    public init<Bytes: Collection<UInt8>>(parsing text: Bytes) throws(DecimalParseError) {
        var iterator = text.makeIterator()
        var negative = false
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        var fractionalCount = 0
        var seenPoint = false
        var seenDigit = false
        var exponent = 0
        var byte = iterator.next()
        guard byte != nil else { throw .empty }
        if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
            negative = byte == UInt8(ascii: "-")
            byte = iterator.next()
        }
        while let current = byte {
            if current >= UInt8(ascii: "0") && current <= UInt8(ascii: "9") {
                seenDigit = true
                // Leading zeros carry no information and would only lengthen the digit list.
                if !(digits.isEmpty && current == UInt8(ascii: "0")) { digits.append(current - UInt8(ascii: "0")) }
                if seenPoint { fractionalCount += 1 }
            } else if current == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
            } else if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                guard seenDigit else { throw .invalidCharacter }
                exponent = try Self.parseExponent(&iterator)
                byte = nil
                break
            } else {
                throw .invalidCharacter
            }
            byte = iterator.next()
        }
        guard seenDigit else { throw .invalidCharacter }
        // value = digits × 10^(exponent − fractionalCount); units = value × 10^18.
        let shift = exponent - fractionalCount + Self.fractionalDigits
        var units: Int128 = 0
        if digits.isEmpty {
            self.init(units: 0)
            return
        }
        var significant = digits
        var power = shift
        if power < 0 {
            // Dropping digits is only allowed when they are zeros.
            let drop = -power
            guard drop <= significant.count else {
                throw .tooPrecise
            }
            let dropped = significant.suffix(drop)
            guard dropped.allSatisfy({ $0 == 0 }) else { throw .tooPrecise }
            significant.removeLast(drop)
            power = 0
        }
        guard significant.count + power <= 39 else { throw .outOfRange }
        for digit in significant {
            let (multiplied, overflow1) = units.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = multiplied.addingReportingOverflow(Int128(digit))
            guard !overflow1 && !overflow2 else { throw .outOfRange }
            units = added
        }
        for _ in 0..<power {
            let (multiplied, overflow) = units.multipliedReportingOverflow(by: 10)
            guard !overflow else { throw .outOfRange }
            units = multiplied
        }
        self.init(units: negative ? -units : units)
    }

    private static func parseExponent<Iterator: IteratorProtocol<UInt8>>(_ iterator: inout Iterator) throws(DecimalParseError) -> Int {
        var negative = false
        var value = 0
        var seenDigit = false
        var byte = iterator.next()
        if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") {
            negative = byte == UInt8(ascii: "-")
            byte = iterator.next()
        }
        while let current = byte {
            guard current >= UInt8(ascii: "0") && current <= UInt8(ascii: "9") else { throw .invalidCharacter }
            seenDigit = true
            value = value * 10 + Int(current - UInt8(ascii: "0"))
            guard value < 1000 else { throw .outOfRange }
            byte = iterator.next()
        }
        guard seenDigit else { throw .invalidCharacter }
        return negative ? -value : value
    }

    /// The canonical text: no exponent, no trailing fractional zeros, `-` only for negatives.
    public var description: String {
        let magnitude = units.magnitude
        let whole = magnitude / Self.unitsPerWhole.magnitude
        var fraction = magnitude % Self.unitsPerWhole.magnitude
        var text = units < 0 ? "-" : ""
        text += String(whole)
        if fraction != 0 {
            var fractionDigits = Self.fractionalDigits
            while fraction % 10 == 0 {
                fraction /= 10
                fractionDigits -= 1
            }
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: fractionDigits - digits.count) + digits
        }
        return text
    }
}

extension FixedDecimal: Codable {
    /// Decodes from a JSON string (exact) or, for convenience, a JSON integer.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let value = FixedDecimal(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a decimal number: \(text)")
            }
            self = value
        } else {
            self = FixedDecimal(try container.decode(Int.self))
        }
    }

    /// Encodes as a JSON string so no reader parses it through binary floating point.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
