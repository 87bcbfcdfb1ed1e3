import Crypto
import Foundation
import TradingCore

/// The dashboard's session tokens: an API key typed once becomes a token naming the key's id, its
/// role and an expiry, signed with HMAC-SHA256 under the server's session secret (the key itself is
/// never in it). Any process with the same secret accepts it; each request still checks that the
/// key is active, so revoking the key ends its sessions.
public struct SessionCodec: Sendable {
    /// What a valid token says.
    public struct Session: Sendable, Hashable {
        /// The API key the session was opened with.
        public let keyID: Int64
        /// Its role when the session was opened (the key's current role is checked per request).
        public let role: APIKeyRole
        /// When the session ends.
        public let expires: Timestamp
    }

    private let key: SymmetricKey

    /// A codec signing with `secret` (at least 32 bytes).
    public init(secret: [UInt8]) {
        precondition(secret.count >= 32, "a session secret needs at least 32 bytes")
        key = SymmetricKey(data: secret)
    }

    /// A random secret of 32 bytes, for a process that is given none.
    public static func randomSecret() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// A random value of 32 bytes as URL-safe text (a form's one-time key, an anti-forgery cookie).
    public static func randomToken() -> String {
        Data(randomSecret()).base64URLEncoded
    }

    /// A token for `keyID` with `role`, valid until `expires`; a random nonce makes every token unique.
    public func issue(keyID: Int64, role: APIKeyRole, expires: Timestamp) -> String {
        var generator = SystemRandomNumberGenerator()
        let nonce = String(generator.next() as UInt64, radix: 36)
        let payload = "v1.\(keyID).\(role.rawValue).\(expires.millisecondsSinceEpoch).\(nonce)"
        return payload + "." + signature(payload)
    }

    /// The session a token opens at `now`, or nil when it is malformed, forged or expired.
    public func verify(_ token: String, now: Timestamp) -> Session? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "v1", let keyID = Int64(parts[1]), let role = APIKeyRole(rawValue: String(parts[2])),
              let expiry = Int64(parts[3]) else { return nil }
        let payload = parts[0..<5].joined(separator: ".")
        // Compared in constant time: a forger learns nothing from how long the comparison took.
        guard let given = Data(base64URL: String(parts[5])),
              HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Data(payload.utf8), using: key) else { return nil }
        let expires = Timestamp(millisecondsSinceEpoch: expiry)
        guard now < expires else { return nil }
        return Session(keyID: keyID, role: role, expires: expires)
    }

    /// The anti-forgery token of forms sent in the session `token`: derived from it, so a page of
    /// another origin, which cannot read the session cookie, cannot produce it.
    public func formToken(for token: String) -> String {
        signature("form." + token)
    }

    /// Whether `given` is the form token of the session `token`, compared in constant time.
    public func isFormToken(_ given: String, for token: String) -> Bool {
        guard let bytes = Data(base64URL: given) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: Data(("form." + token).utf8), using: key)
    }

    private func signature(_ text: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)).base64URLEncoded
    }
}

extension Data {
    /// Base64 with `-` and `_` and no padding (safe in cookies, forms and URLs).
    public var base64URLEncoded: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Decodes `base64URLEncoded` text.
    public init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}
