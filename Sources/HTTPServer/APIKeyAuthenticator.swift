import Synchronization
import TradingEngine

/// Checks API keys against the store, remembering answers for a short time so a busy route does
/// not query the database on every request.
///
/// A key revoked through this process's API stops working at once; one revoked by another process
/// (the CLI, another API instance) stops working within `cacheLifetime`.
public final class APIKeyAuthenticator: Sendable {
    private struct Entry {
        let principal: APIPrincipal?
        let expires: ContinuousClock.Instant
    }

    private let store: any APIKeyStore
    private let cacheLifetime: Duration
    private let cache = Mutex<[String: Entry]>([:])
    /// Unknown keys are remembered too, but the cache is bounded so random keys cannot grow it.
    private let maximumEntries = 10_000

    /// Creates an authenticator over a key store.
    public init(store: any APIKeyStore, cacheLifetime: Duration) {
        self.store = store
        self.cacheLifetime = cacheLifetime
    }

    /// The caller a key belongs to, or nil when the key is unknown or revoked.
    public func principal(forKey key: String) async throws -> APIPrincipal? {
        guard APIKeyCodec.looksLikeKey(key) else { return nil }
        let hash = APIKeyCodec.hash(key)
        let now = ContinuousClock.now
        if let entry = cache.withLock({ $0[hash] }), entry.expires > now { return entry.principal }
        let record = try await store.apiKey(hash: hash)
        let principal = record.flatMap { $0.isActive ? APIPrincipal(keyID: $0.id, name: $0.name, role: $0.role) : nil }
        cache.withLock { entries in
            if entries.count >= maximumEntries { entries.removeAll(keepingCapacity: true) }
            entries[hash] = Entry(principal: principal, expires: now + cacheLifetime)
        }
        return principal
    }

    /// Forgets everything, so a revocation in this process takes effect at once.
    public func invalidateAll() {
        cache.withLock { $0.removeAll() }
    }
}
