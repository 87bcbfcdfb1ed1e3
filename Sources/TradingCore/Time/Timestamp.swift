/// An instant in UTC with millisecond resolution, counted from the Unix epoch.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let millisecondsSinceEpoch: Int64

    /// The instants ISO-8601 text can name with a four-digit year: 0001-01-01 to 9999-12-31.
    public static let supportedRange = Timestamp(millisecondsSinceEpoch: -62_135_596_800_000)...Timestamp(millisecondsSinceEpoch: 253_402_300_799_999)

    /// Creates an instant from milliseconds since the Unix epoch.
    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// Creates an instant from whole seconds since the Unix epoch.
    public init(secondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = secondsSinceEpoch * 1000
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// The instant a number of milliseconds later (earlier when negative).
    public func adding(milliseconds: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds)
    }

    /// ISO-8601 text in UTC: `2024-01-02T03:04:05Z`, with `.sss` only when milliseconds are not zero.
    public var description: String { iso8601 }

    /// ISO-8601 text in UTC: `2024-01-02T03:04:05Z`, with `.sss` only when milliseconds are not zero.
    public var iso8601: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        writeISO8601(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the ISO-8601 text to a byte buffer without building a String (the bars route
    /// writes hundreds per response).
    public func writeISO8601(into output: inout [UInt8]) {
        let (days, millisecondOfDay) = millisecondsSinceEpoch.floorDividedWithRemainder(by: 86_400_000)
        let civil = CivilDate(daysSinceEpoch: days)
        let secondOfDay = millisecondOfDay / 1000
        let milliseconds = millisecondOfDay % 1000
        if (0...9999).contains(civil.year) {
            Self.appendDigits(Int64(civil.year), count: 4, into: &output)
        } else {
            output.append(contentsOf: String(civil.year).utf8)
        }
        output.append(UInt8(ascii: "-"))
        Self.appendDigits(Int64(civil.month), count: 2, into: &output)
        output.append(UInt8(ascii: "-"))
        Self.appendDigits(Int64(civil.day), count: 2, into: &output)
        output.append(UInt8(ascii: "T"))
        Self.appendDigits(secondOfDay / 3600, count: 2, into: &output)
        output.append(UInt8(ascii: ":"))
        Self.appendDigits(secondOfDay / 60 % 60, count: 2, into: &output)
        output.append(UInt8(ascii: ":"))
        Self.appendDigits(secondOfDay % 60, count: 2, into: &output)
        if milliseconds != 0 {
            output.append(UInt8(ascii: "."))
            Self.appendDigits(milliseconds, count: 3, into: &output)
        }
        output.append(UInt8(ascii: "Z"))
    }

    /// Appends a non-negative number as exactly `count` zero-padded decimal digits.
    private static func appendDigits(_ value: Int64, count: Int, into output: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<count { divisor *= 10 }
        var remaining = value
        while divisor > 0 {
            output.append(UInt8(ascii: "0") + UInt8(remaining / divisor % 10))
            remaining %= divisor
            divisor /= 10
        }
    }

    /// Parses `YYYY-MM-DD` (midnight UTC), `YYYY-MM-DDTHH:MM[:SS[.fff]]Z`, a `+HH:MM` offset, or a
    /// space instead of `T`; returns nil for anything else, including impossible dates.
    public init?(iso8601 text: String) {
        var bytes = Array(text.utf8)
        // A date-time must name its zone: a bare local time would be ambiguous.
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= bytes.count else { return nil }
            var value: Int64 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let date = CivilDate(year: Int(year), month: Int(month), day: Int(day)) else { return nil }
        var milliseconds = date.daysSinceEpoch * 86_400_000
        if bytes.count == 10 {
            self.init(millisecondsSinceEpoch: milliseconds)
            return
        }
        guard bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "t"),
              bytes.count >= 17, bytes[13] == UInt8(ascii: ":"),
              let hour = number(11..<13), let minute = number(14..<16), hour < 24, minute < 60 else { return nil }
        milliseconds += (hour * 3600 + minute * 60) * 1000
        var index = 16
        if index < bytes.count && bytes[index] == UInt8(ascii: ":") {
            guard let second = number(17..<19), second < 60 else { return nil }
            milliseconds += second * 1000
            index = 19
            if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
                index += 1
                var scale: Int64 = 100
                var fraction: Int64 = 0
                while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                    // Digits past milliseconds are accepted and truncated.
                    fraction += Int64(bytes[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
                milliseconds += fraction
            }
        }
        guard index < bytes.count else { return nil }
        let zone = bytes[index]
        if zone == UInt8(ascii: "Z") || zone == UInt8(ascii: "z") {
            guard index + 1 == bytes.count else { return nil }
        } else if zone == UInt8(ascii: "+") || zone == UInt8(ascii: "-") {
            guard bytes.count == index + 6, bytes[index + 3] == UInt8(ascii: ":"),
                  let offsetHours = number((index + 1)..<(index + 3)),
                  let offsetMinutes = number((index + 4)..<(index + 6)), offsetHours < 24, offsetMinutes < 60 else { return nil }
            let offset = (offsetHours * 3600 + offsetMinutes * 60) * 1000
            milliseconds += zone == UInt8(ascii: "+") ? -offset : offset
        } else {
            return nil
        }
        bytes.removeAll()
        self.init(millisecondsSinceEpoch: milliseconds)
    }

    /// Encodes as ISO-8601 text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(iso8601)
    }

    /// Decodes from ISO-8601 text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Timestamp(iso8601: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO-8601 UTC time: \(text)")
        }
        self = value
    }
}

extension Int64 {
    /// This value rounded down to a multiple of `step` (toward minus infinity, before 1970 too).
    public func roundedDown(toMultipleOf step: Int64) -> Int64 {
        self - floorDividedWithRemainder(by: step).remainder
    }

    /// Floor division with a non-negative remainder, so instants before 1970 format correctly.
    func floorDividedWithRemainder(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var quotient = self / divisor
        var remainder = self % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }
}
