/// A JSON value read without losing a digit: Alpaca writes bar prices as JSON numbers (`168.77`),
/// and money never passes through binary floating point here, so numbers keep their text.
public indirect enum AlpacaJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number as written (`168.77`, `4.0E7`).
    case number(String)
    case string(String)
    case array([AlpacaJSON])
    case object([String: AlpacaJSON])

    /// Why a text is not JSON, with the byte offset.
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "malformed JSON at byte \(offset): \(reason)" }
    }

    /// Parses one JSON value (surrounding white space allowed, nothing else after it).
    public init(parsing bytes: some Collection<UInt8>) throws(SyntaxError) {
        var parser = Parser(bytes: Array(bytes))
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == parser.bytes.count else { throw SyntaxError(offset: parser.index, reason: "text after the value") }
        self = value
    }

    /// Parses JSON text.
    public init(parsing text: String) throws(SyntaxError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// The member `key` of an object (nil otherwise).
    public subscript(key: String) -> AlpacaJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The text of a string.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The text of a number, or of a string holding one (Alpaca writes decimals both ways).
    public var decimalText: String? {
        switch self {
        case .number(let text): text
        case .string(let text): text
        default: nil
        }
    }

    /// A whole number written as a number or a string.
    public var integer: Int64? { decimalText.flatMap { Int64($0) } }

    /// A boolean.
    public var bool: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// The elements of an array.
    public var array: [AlpacaJSON]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Whether the value is null (or absent when read through an optional).
    public var isNull: Bool { self == .null }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        /// Deeper nesting is refused: a hostile message cannot exhaust the stack.
        static let maximumDepth = 64

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> AlpacaJSON {
            guard depth < Self.maximumDepth else { throw SyntaxError(offset: index, reason: "nested deeper than \(Self.maximumDepth)") }
            guard index < bytes.count else { throw SyntaxError(offset: index, reason: "a value was expected") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var members: [String: AlpacaJSON] = [:]
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                while true {
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw SyntaxError(offset: index, reason: "a member name was expected") }
                    let key = try string()
                    skipSpace()
                    try expect(UInt8(ascii: ":"))
                    skipSpace()
                    members[key] = try value(depth: depth + 1)
                    skipSpace()
                    if try separator(closing: UInt8(ascii: "}")) { return .object(members) }
                }
            case UInt8(ascii: "["):
                index += 1
                var elements: [AlpacaJSON] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                while true {
                    skipSpace()
                    elements.append(try value(depth: depth + 1))
                    skipSpace()
                    if try separator(closing: UInt8(ascii: "]")) { return .array(elements) }
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            default:
                return .number(try number())
            }
        }

        /// After an element: true at the closing bracket, false after a comma.
        mutating func separator(closing: UInt8) throws(SyntaxError) -> Bool {
            guard index < bytes.count else { throw SyntaxError(offset: index, reason: "unterminated") }
            if bytes[index] == closing { index += 1; return true }
            try expect(UInt8(ascii: ","))
            return false
        }

        mutating func expect(_ byte: UInt8) throws(SyntaxError) {
            guard index < bytes.count, bytes[index] == byte else {
                throw SyntaxError(offset: index, reason: "'\(Character(UnicodeScalar(byte)))' was expected")
            }
            index += 1
        }

        mutating func literal(_ word: String) throws(SyntaxError) {
            for byte in word.utf8 { try expect(byte) }
        }

        mutating func number() throws(SyntaxError) -> String {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digitsStart = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > digitsStart else { throw SyntaxError(offset: start, reason: "a value was expected") }
            guard !(bytes[digitsStart] == UInt8(ascii: "0") && index - digitsStart > 1) else { throw SyntaxError(offset: start, reason: "a number with a leading zero") }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                let fraction = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                guard index > fraction else { throw SyntaxError(offset: index, reason: "digits after the point were expected") }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                let exponent = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                guard index > exponent else { throw SyntaxError(offset: index, reason: "digits of the exponent were expected") }
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func string() throws(SyntaxError) -> String {
            index += 1
            var output: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: output, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { break }
                    let escaped = bytes[index]
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escaped)
                    case UInt8(ascii: "b"): output.append(0x08)
                    case UInt8(ascii: "f"): output.append(0x0C)
                    case UInt8(ascii: "n"): output.append(0x0A)
                    case UInt8(ascii: "r"): output.append(0x0D)
                    case UInt8(ascii: "t"): output.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        // A surrogate pair is one character.
                        if (0xD800...0xDBFF).contains(scalar), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                            index += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw SyntaxError(offset: index, reason: "an unpaired surrogate") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let character = UnicodeScalar(scalar) else { throw SyntaxError(offset: index, reason: "an invalid \\u escape") }
                        output.append(contentsOf: Array(String(Character(character)).utf8))
                    default:
                        throw SyntaxError(offset: index - 1, reason: "an unknown escape")
                    }
                default:
                    guard byte >= 0x20 else { throw SyntaxError(offset: index - 1, reason: "a control character in a string") }
                    output.append(byte)
                }
            }
            throw SyntaxError(offset: index, reason: "an unterminated string")
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw SyntaxError(offset: index, reason: "a short \\u escape") }
            var value: UInt32 = 0
            for byte in bytes[index..<(index + 4)] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw SyntaxError(offset: index, reason: "a bad \\u escape")
                }
                value = value * 16 + UInt32(digit)
            }
            index += 4
            return value
        }
    }
}
