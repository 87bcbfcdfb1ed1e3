/// Request parameters in the order they are sent, and the text Binance signs from them.
///
/// REST signs the query string exactly as sent (`k=v` joined by `&`, non-ASCII and reserved
/// characters percent-encoded as UTF-8); the WebSocket API signs every parameter but `signature`
/// sorted by name, unencoded.
public struct BinanceQuery: Sendable, Hashable {
    /// The parameters, in order.
    public private(set) var items: [(name: String, value: String)]

    /// Creates a query.
    public init(_ items: [(String, String)] = []) {
        self.items = items.map { (name: $0.0, value: $0.1) }
    }

    /// Adds a parameter at the end.
    public mutating func append(_ name: String, _ value: String) {
        items.append((name: name, value: value))
    }

    /// The REST form: `k=v&…`, each name and value percent-encoded.
    public var encoded: String {
        items.map { "\(Self.percentEncoded($0.name))=\(Self.percentEncoded($0.value))" }.joined(separator: "&")
    }

    /// The WebSocket API's signature payload: parameters sorted by name, unencoded.
    public var sortedPayload: String {
        items.sorted { $0.name < $1.name }.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters, byte by byte of UTF-8.
    public static func percentEncoded(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                output.unicodeScalars.append("%")
                output.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                output.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return output
    }

    public static func == (lhs: BinanceQuery, rhs: BinanceQuery) -> Bool {
        lhs.items.map(\.name) == rhs.items.map(\.name) && lhs.items.map(\.value) == rhs.items.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        for item in items {
            hasher.combine(item.name)
            hasher.combine(item.value)
        }
    }
}
