import TradingCore

/// Creates API keys: generates the secret, stores only its hash, and hands the secret back once.
public struct APIKeyIssuer: Sendable {
    private let store: any APIKeyStore
    private let clock: any TradingClock

    /// Creates an issuer over a key store.
    public init(store: any APIKeyStore, clock: any TradingClock) {
        self.store = store
        self.clock = clock
    }

    /// The longest key name accepted.
    public static let maximumNameLength = 100

    /// Issues a key; the returned secret is never stored and cannot be shown again.
    public func issue(name: String, role: APIKeyRole) async throws -> (key: String, record: APIKeyRecord) {
        let trimmed = name.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.count <= Self.maximumNameLength else { throw APIKeyNameError() }
        return try await issue(name: trimmed, role: role, key: APIKeyCodec.generate())
    }

    /// Registers a key chosen elsewhere (a first admin key from the environment), unless it exists.
    public func register(name: String, role: APIKeyRole, key: String) async throws -> APIKeyRecord {
        let hash = APIKeyCodec.hash(key)
        if let existing = try await store.apiKey(hash: hash) { return existing }
        do {
            return try await issue(name: name, role: role, key: key).record
        } catch {
            // Another process starting at the same moment may have stored it first (the hash is unique).
            if let existing = try await store.apiKey(hash: hash) { return existing }
            throw error
        }
    }

    private func issue(name: String, role: APIKeyRole, key: String) async throws -> (key: String, record: APIKeyRecord) {
        let record = try await store.createAPIKey(NewAPIKey(
            name: name, role: role, prefix: APIKeyCodec.shownPrefix(of: key), hash: APIKeyCodec.hash(key), createdAt: clock.now()))
        return (key, record)
    }
}

/// A key name that is empty or too long.
public struct APIKeyNameError: Error, Sendable, CustomStringConvertible {
    public var description: String { "the key name must be 1 to \(APIKeyIssuer.maximumNameLength) characters" }
}

