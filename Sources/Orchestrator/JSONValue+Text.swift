import TradingCore

extension JSONValue {
    /// Compact JSON as a String.
    func serializedText() -> String { String(decoding: serialized(), as: UTF8.self) }
}

extension JSONValue {
    /// A scalar as table text (nil for null, arrays and objects).
    var text: String? {
        switch self {
        case .string(let value): value
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .bool(let value): "\(value)"
        case .null, .array, .object: nil
        }
    }
}
