/// A forward-only reader of JSON bytes for the hot paths (stream frames), which need a few fields
/// of a small object without building a dictionary. It validates what it reads: unbalanced or
/// truncated input throws, never traps.
public struct JSONByteScanner {
    /// What was wrong, and at which byte.
    public struct Failure: Error, CustomStringConvertible {
        public let offset: Int
        public let reason: String

        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    public let bytes: [UInt8]
    public private(set) var index: Int = 0

    /// A reader of `bytes` from the first.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Skips spaces, tabs and line breaks.
    public mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 { index += 1 }
    }

    /// Reads one expected byte (after white space).
    public mutating func expect(_ byte: UInt8) throws(Failure) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    /// Whether the next byte (after white space) is `byte`; consumes it when it is.
    public mutating func take(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// Reads a string and returns the range of its raw bytes (escapes left as they are: the
    /// fields read this way are ASCII keys, symbols and decimals).
    public mutating func stringRange() throws(Failure) -> Range<Int> {
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                let range = start..<index
                index += 1
                return range
            case UInt8(ascii: "\\"):
                index += 2
            default:
                index += 1
            }
        }
        throw fail("unterminated string")
    }

    /// Whether the bytes of `range` spell `text`.
    public func matches(_ range: Range<Int>, _ text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        let pointer = text.utf8Start
        for offset in 0..<range.count where bytes[range.lowerBound + offset] != pointer[offset] { return false }
        return true
    }

    /// Reads an integer.
    public mutating func integer() throws(Failure) -> Int64 {
        skipWhitespace()
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let start = index
        var value: Int64 = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            let (times, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(Int64(bytes[index] - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { throw fail("integer too large") }
            value = sum
            index += 1
        }
        guard index > start else { throw fail("expected an integer") }
        return negative ? -value : value
    }

    /// Reads `true` or `false`.
    public mutating func boolean() throws(Failure) -> Bool {
        skipWhitespace()
        if literal("true") { return true }
        if literal("false") { return false }
        throw fail("expected true or false")
    }

    /// Skips any value (object, array, string, number, literal).
    public mutating func skipValue() throws(Failure) {
        skipWhitespace()
        guard index < bytes.count else { throw fail("expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            _ = try stringRange()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    _ = try stringRange()
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return
                    }
                default:
                    break
                }
                index += 1
            }
            throw fail("unbalanced brackets")
        default:
            if literal("true") || literal("false") || literal("null") { return }
            let start = index
            while index < bytes.count, Self.isNumberByte(bytes[index]) { index += 1 }
            guard index > start else { throw fail("unexpected byte") }
        }
    }

    /// Reads a number and returns the range of its text (a JSON number: sign, digits, point, exponent).
    public mutating func numberRange() throws(Failure) -> Range<Int> {
        skipWhitespace()
        let start = index
        while index < bytes.count, Self.isNumberByte(bytes[index]) { index += 1 }
        guard index > start else { throw fail("expected a number") }
        return start..<index
    }

    /// Iterates the elements of an array: `body` is called before each element and must read it.
    public mutating func forEachElement(_ body: (inout JSONByteScanner) throws(Failure) -> Void) throws(Failure) {
        try expect(UInt8(ascii: "["))
        if take(UInt8(ascii: "]")) { return }
        repeat {
            try body(&self)
        } while take(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"))
    }

    /// Iterates the members of an object: `body` is called with each key's range and must read its value.
    public mutating func forEachMember(_ body: (inout JSONByteScanner, Range<Int>) throws(Failure) -> Void) throws(Failure) {
        try expect(UInt8(ascii: "{"))
        if take(UInt8(ascii: "}")) { return }
        repeat {
            let key = try stringRange()
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
        } while take(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"))
    }

    /// Digits, signs, the decimal point and the exponent mark (a switch: this runs per byte).
    private static func isNumberByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): true
        default: false
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count, matches(index..<(index + count), word) else { return false }
        index += count
        return true
    }

    public func fail(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }
}
