import TradingCore

extension JSONValue {
    /// Compact JSON as a String.
    func serializedText() -> String { String(decoding: serialized(), as: UTF8.self) }
}
