import Crypto
import Foundation

/// An API key and what signs its requests: an HMAC secret or an Ed25519 private key. Its
/// descriptions never show the secret or the key.
public struct BinanceCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// How requests are signed.
    public enum Signing: Sendable {
        /// HMAC-SHA256 with the key's secret; signatures are lowercase hex.
        case hmac(secret: SymmetricKey)
        /// Ed25519 with the private key registered for the API key; signatures are base64.
        case ed25519(Curve25519.Signing.PrivateKey)
    }

    /// Why a key cannot be used.
    public struct CredentialError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The API key, sent as `X-MBX-APIKEY` (not a secret by Binance's rules, but kept out of logs all the same).
    public let apiKey: String
    public let signing: Signing

    /// An HMAC key.
    public init(apiKey: String, secret: String) {
        self.apiKey = apiKey
        signing = .hmac(secret: SymmetricKey(data: Data(secret.utf8)))
    }

    /// An Ed25519 key from its PKCS#8 PEM text (as `openssl genpkey -algorithm ed25519` writes it).
    public init(apiKey: String, ed25519PEM pem: String) throws(CredentialError) {
        self.apiKey = apiKey
        signing = .ed25519(try Self.ed25519Key(pem: pem))
    }

    /// An Ed25519 key.
    public init(apiKey: String, ed25519 key: Curve25519.Signing.PrivateKey) {
        self.apiKey = apiKey
        signing = .ed25519(key)
    }

    /// Reads the 32-byte seed of an Ed25519 PKCS#8 private key (RFC 8410: a fixed 16-byte DER prefix).
    static func ed25519Key(pem: String) throws(CredentialError) -> Curve25519.Signing.PrivateKey {
        let lines = pem.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: "-----BEGIN PRIVATE KEY-----"), let end = lines.firstIndex(of: "-----END PRIVATE KEY-----"), begin < end else {
            throw CredentialError(description: "the Ed25519 key file is not a PEM 'PRIVATE KEY' (PKCS#8) block")
        }
        guard let der = Data(base64Encoded: lines[(begin + 1)..<end].joined()) else {
            throw CredentialError(description: "the Ed25519 key file's PEM body is not base64")
        }
        let prefix: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
        guard der.count == 48, Array(der.prefix(16)) == prefix else {
            throw CredentialError(description: "the key file does not hold an Ed25519 private key (PKCS#8, OID 1.3.101.112)")
        }
        do {
            return try Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
        } catch {
            throw CredentialError(description: "the Ed25519 seed is not usable")
        }
    }

    /// The signature of `payload`: lowercase hex (HMAC) or standard base64 (Ed25519).
    public func signature(of payload: String) -> String {
        switch signing {
        case .hmac(let secret):
            return HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: secret).map { String(format: "%02x", $0) }.joined()
        case .ed25519(let key):
            // The signature of a key and message is deterministic (RFC 8032); an error here means the key itself is broken.
            let signature = (try? key.signature(for: Data(payload.utf8))) ?? Data()
            return signature.base64EncodedString()
        }
    }

    /// Which kind of key, for `venue check` (never the key).
    public var kind: String {
        switch signing {
        case .hmac: "HMAC-SHA256"
        case .ed25519: "Ed25519"
        }
    }

    public var description: String { "BinanceCredentials(\(kind), api key …\(apiKey.suffix(4)))" }
    public var debugDescription: String { description }
}
