import TradingCore

/// Where API keys live, as hashes only; implemented by the storage adapter.
public protocol APIKeyStore: Sendable {
    /// Stores a new key record and returns it with its id.
    func createAPIKey(_ key: NewAPIKey) async throws -> APIKeyRecord
    /// Every key, revoked ones included, oldest first.
    func apiKeys() async throws -> [APIKeyRecord]
    /// Marks a key revoked; returns the record, or nil when no key has that id.
    func revokeAPIKey(id: Int64, at time: Timestamp) async throws -> APIKeyRecord?
    /// The key whose secret hashes to this value, revoked or not.
    func apiKey(hash: String) async throws -> APIKeyRecord?
    /// How many keys with this role are not revoked.
    func activeAPIKeyCount(role: APIKeyRole) async throws -> Int
}

/// A key to store: never the secret itself, only its hash and a short prefix to recognise it.
public struct NewAPIKey: Sendable {
    /// A label chosen by the person who created it.
    public let name: String
    /// What the key may do.
    public let role: APIKeyRole
    /// The first characters of the key, safe to show.
    public let prefix: String
    /// The SHA-256 of the whole key, lower-case hex.
    public let hash: String
    /// When it was created.
    public let createdAt: Timestamp

    /// Creates a key record to store.
    public init(name: String, role: APIKeyRole, prefix: String, hash: String, createdAt: Timestamp) {
        self.name = name
        self.role = role
        self.prefix = prefix
        self.hash = hash
        self.createdAt = createdAt
    }
}

/// A stored API key.
public struct APIKeyRecord: Sendable, Hashable {
    /// The key's id.
    public let id: Int64
    /// Its label.
    public let name: String
    /// What it may do.
    public let role: APIKeyRole
    /// The first characters of the key, safe to show.
    public let prefix: String
    /// The SHA-256 of the whole key, lower-case hex.
    public let hash: String
    /// When it was created.
    public let createdAt: Timestamp
    /// When it was revoked, nil while it is active.
    public let revokedAt: Timestamp?

    /// Creates a record.
    public init(id: Int64, name: String, role: APIKeyRole, prefix: String, hash: String, createdAt: Timestamp, revokedAt: Timestamp?) {
        self.id = id
        self.name = name
        self.role = role
        self.prefix = prefix
        self.hash = hash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Whether the key may still be used.
    public var isActive: Bool { revokedAt == nil }
}
