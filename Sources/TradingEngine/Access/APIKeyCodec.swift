import Crypto

/// Makes API keys and hashes them. A key is `tok_` followed by 43 base64url characters (256 random
/// bits), so SHA-256 without a salt is enough: the key space cannot be searched.
public enum APIKeyCodec {
    /// The text every key starts with, so secret scanners can recognise leaked keys.
    public static let keyPrefix = "tok_"
    /// How many leading characters of a key are stored and shown to identify it.
    public static let shownPrefixLength = 12

    /// A new random key.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max, using: &generator) }
        return keyPrefix + base64URL(bytes)
    }

    /// The lower-case hex SHA-256 of a key, which is all that is stored.
    public static func hash(_ key: String) -> String {
        let digest = SHA256.hash(data: Array(key.utf8))
        return digest.map { byte in
            let hex = Array("0123456789abcdef".utf8)
            return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
        }.joined()
    }

    /// The part of a key that may be stored and shown.
    public static func shownPrefix(of key: String) -> String {
        String(key.prefix(shownPrefixLength))
    }

    /// The shortest key accepted (generated keys have 47 characters; configured ones need 32 or more).
    public static let minimumKeyLength = 32

    /// Whether a text could be a key: 32 to 256 visible ASCII characters (cheap check before hashing).
    public static func looksLikeKey(_ text: String) -> Bool {
        (minimumKeyLength...256).contains(text.utf8.count) && text.utf8.allSatisfy { $0 > 32 && $0 < 127 }
    }

    private static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var output: [UInt8] = []
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in stride(from: 18, through: 0, by: -6) { output.append(alphabet[Int(chunk >> UInt32(shift) & 63)]) }
            index += 3
        }
        let remaining = bytes.count - index
        if remaining == 2 {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            for shift in [18, 12, 6] { output.append(alphabet[Int(chunk >> UInt32(shift) & 63)]) }
        } else if remaining == 1 {
            let chunk = UInt32(bytes[index]) << 16
            for shift in [18, 12] { output.append(alphabet[Int(chunk >> UInt32(shift) & 63)]) }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
