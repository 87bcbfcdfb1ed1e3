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

    private struct Cache {
        /// Known keys: bounded by the keys in the database.
        var known: [String: Entry] = [:]
        /// Unknown or revoked keys, kept apart so a flood of random keys cannot push out the
        /// known ones; cleared whole when full.
        var unknown: [String: Entry] = [:]
        /// Bumped by `invalidateAll`, so a lookup that started before a revocation cannot store
        /// its stale answer after it.
        var generation = 0
    }

    private let store: any APIKeyStore
    private let cacheLifetime: Duration
    private let cache = Mutex(Cache())
    private let maximumUnknownEntries = 10_000

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
        let (cached, generation) = cache.withLock { cache in (cache.known[hash] ?? cache.unknown[hash], cache.generation) }
        if let cached, cached.expires > now { return cached.principal }
        let record = try await store.apiKey(hash: hash)
        let principal = record.flatMap { $0.isActive ? APIPrincipal(keyID: $0.id, name: $0.name, role: $0.role) : nil }
        cache.withLock { cache in
            guard cache.generation == generation else { return }
            let entry = Entry(principal: principal, expires: now + cacheLifetime)
            if principal != nil {
                cache.known[hash] = entry
            } else {
                if cache.unknown.count >= maximumUnknownEntries { cache.unknown.removeAll(keepingCapacity: true) }
                cache.unknown[hash] = entry
                cache.known[hash] = nil
            }
        }
        return principal
    }

    /// The caller behind the key with `id` (a dashboard session's), or nil when it is unknown or
    /// revoked; remembered as long as a key's answer.
    public func principal(forKeyID id: Int64) async throws -> APIPrincipal? {
        let name = "id:\(id)"
        let now = ContinuousClock.now
        let (cached, generation) = cache.withLock { cache in (cache.known[name] ?? cache.unknown[name], cache.generation) }
        if let cached, cached.expires > now { return cached.principal }
        let principal = try await store.apiKeys().first { $0.id == id && $0.isActive }.map { APIPrincipal(keyID: $0.id, name: $0.name, role: $0.role) }
        cache.withLock { cache in
            guard cache.generation == generation else { return }
            let entry = Entry(principal: principal, expires: now + cacheLifetime)
            if principal != nil {
                cache.known[name] = entry
            } else {
                // Ids come from signed session cookies, yet an unknown answer is bounded like a key's.
                if cache.unknown.count >= maximumUnknownEntries { cache.unknown.removeAll(keepingCapacity: true) }
                cache.unknown[name] = entry
            }
        }
        return principal
    }

    /// Forgets everything, so a revocation in this process takes effect at once.
    public func invalidateAll() {
        cache.withLock { cache in
            cache.known.removeAll()
            cache.unknown.removeAll()
            cache.generation += 1
        }
    }
}
