/// An Alpaca API key id and secret, sent as `APCA-API-KEY-ID` and `APCA-API-SECRET-KEY`. Its
/// descriptions never show either.
public struct AlpacaCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The settings that hold them, named in errors.
    public static let keyIDVariable = "APCA_API_KEY_ID", secretVariable = "APCA_API_SECRET_KEY"

    public let keyID: String
    public let secret: String

    /// A key.
    public init(keyID: String, secret: String) {
        self.keyID = keyID
        self.secret = secret
    }

    /// The key of `environment` (`APCA_API_KEY_ID` and `APCA_API_SECRET_KEY`), nil when either is missing or empty.
    public init?(environment: [String: String]) {
        guard let keyID = environment[Self.keyIDVariable], !keyID.isEmpty, let secret = environment[Self.secretVariable], !secret.isEmpty else { return nil }
        self.init(keyID: keyID, secret: secret)
    }

    public var description: String { "Alpaca key (id and secret hidden)" }
    public var debugDescription: String { description }
    /// What `dump` and mirrors show: neither the id nor the secret.
    public var customMirror: Mirror { Mirror(self, children: ["key": "hidden"]) }
}
