import TradingCore

/// Formats wall-clock instants the same way API bodies do.
enum TimestampFormatting {
    static func iso8601(millisecondsSinceEpoch: Int64) -> String {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch).iso8601
    }
}

extension JSONValue {
    /// Compact JSON as a String.
    func serializedText() -> String { String(decoding: serialized(), as: UTF8.self) }
}
