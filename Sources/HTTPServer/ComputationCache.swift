import Prometheus
import Synchronization

/// Results of expensive computations (a forecaster or HMM fit) kept by a key that names everything
/// the result depends on, bounded by an estimate of their memory and evicted least recently used
/// first. Concurrent requests for a key that is being computed wait for that one computation
/// instead of starting their own; a failed computation is not kept (each of its waiters gets the
/// error, the next request tries again). Keys of one lineage (the same question about newer bars)
/// keep only their newest result: an older one is never asked for again, and left to age out it
/// would fill the bound with dead results, which an API process's memory shows as steady growth.
final class ComputationCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// How a request was answered.
    enum Lookup: String, Sendable {
        /// A kept result.
        case hit
        /// Computed for this request.
        case miss
        /// Computed for another request that was already running.
        case joined
    }

    private struct Entry {
        let value: Value
        let bytes: Int
        var lastUse: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var running: [Key: Task<(Value, Int), any Error>] = [:]
        var bytes = 0
        var uses: UInt64 = 0
        /// The kept key of each lineage's newest generation.
        var newest: [Key: (key: Key, generation: Int64)] = [:]
    }

    /// Where a key stands among the questions that differ only by their data's version: the
    /// lineage (the key with its version parts set aside) and the generation (rising with them).
    struct Lineage: Sendable {
        let family: Key
        let generation: Int64
    }

    /// What a lookup found under the lock.
    private enum Found {
        case kept(Value)
        case running(Task<(Value, Int), any Error>)
        case started(Task<(Value, Int), any Error>)
    }

    private let state = Mutex(State())
    /// The most bytes the kept results may take (by their estimates).
    let capacityBytes: Int
    private let lookups: [Lookup: Counter]
    private let evictions: Counter
    private let keptBytes: Gauge
    private let keptEntries: Gauge
    /// A key's lineage, when results of older generations are dead once a newer one is kept (nil: LRU only).
    private let lineage: (@Sendable (Key) -> Lineage?)?

    /// A cache named `name` in the metrics (`orchestrator_cache_*{cache="name"}`).
    init(name: String, capacityBytes: Int, registry: PrometheusCollectorRegistry, lineage: (@Sendable (Key) -> Lineage?)? = nil) {
        self.capacityBytes = capacityBytes
        self.lineage = lineage
        let labels = [("cache", name)]
        var lookups: [Lookup: Counter] = [:]
        for lookup in [Lookup.hit, .miss, .joined] {
            lookups[lookup] = registry.makeCounter(descriptor: MetricNameDescriptor(
                namespace: "orchestrator", subsystem: "cache", metricName: "lookups", unitName: "total",
                helpText: "Requests for a computed result: hit (kept), miss (computed), joined (waited for a computation already running)."),
                labels: labels + [("result", lookup.rawValue)])
        }
        self.lookups = lookups
        evictions = registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "orchestrator", subsystem: "cache", metricName: "evictions", unitName: "total",
            helpText: "Results dropped: superseded by a result about newer data, or to stay within the cache's memory bound."), labels: labels)
        keptBytes = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "orchestrator", subsystem: "cache", metricName: "size", unitName: "bytes",
            helpText: "Estimated memory of the kept results."), labels: labels)
        keptEntries = registry.makeGauge(descriptor: MetricNameDescriptor(
            namespace: "orchestrator", subsystem: "cache", metricName: "entries", unitName: "",
            helpText: "Kept results."), labels: labels)
    }

    /// The result for `key`: kept, being computed for another request, or computed now by
    /// `compute`, which returns the result and an estimate of its memory in bytes. The computation
    /// runs in a task of its own, so a request that goes away does not cancel it for the others.
    func value(for key: Key, compute: @escaping @Sendable () async throws -> (Value, bytes: Int)) async throws -> (Value, Lookup) {
        let found: Found = state.withLock { state in
            state.uses += 1
            if var entry = state.entries[key] {
                entry.lastUse = state.uses
                state.entries[key] = entry
                return .kept(entry.value)
            }
            if let task = state.running[key] { return .running(task) }
            let task = Task { () async throws -> (Value, Int) in try await compute() }
            state.running[key] = task
            return .started(task)
        }
        switch found {
        case .kept(let value):
            lookups[.hit]?.increment()
            return (value, .hit)
        case .running(let task):
            lookups[.joined]?.increment()
            return (try await task.value.0, .joined)
        case .started(let task):
            lookups[.miss]?.increment()
            do {
                let (value, bytes) = try await task.value
                keep(value, bytes: bytes, for: key)
                return (value, .miss)
            } catch {
                _ = state.withLock { $0.running.removeValue(forKey: key) }
                throw error
            }
        }
    }

    /// Stores a computed result (unless it alone exceeds the bound, or a newer result of its
    /// lineage is kept), drops the older result of its lineage, and evicts the least recently used
    /// results until the kept ones fit.
    private func keep(_ value: Value, bytes: Int, for key: Key) {
        let place = lineage?(key)
        let evicted = state.withLock { state -> Int in
            defer {
                // Under the lock, so that two stores cannot leave an older figure last.
                keptBytes.set(to: Double(state.bytes))
                keptEntries.set(to: Double(state.entries.count))
            }
            state.running.removeValue(forKey: key)
            guard bytes <= capacityBytes else { return 0 }
            var evicted = 0
            if let place {
                if let current = state.newest[place.family] {
                    // A computation about older data that ended after a newer one's: its answer is served, not kept.
                    guard current.generation <= place.generation else { return 0 }
                    if current.key != key, let superseded = state.entries.removeValue(forKey: current.key) {
                        state.bytes -= superseded.bytes
                        evicted += 1
                    }
                }
                state.newest[place.family] = (key, place.generation)
            }
            state.uses += 1
            if let previous = state.entries.updateValue(Entry(value: value, bytes: bytes, lastUse: state.uses), forKey: key) {
                state.bytes -= previous.bytes
            }
            state.bytes += bytes
            guard state.bytes > capacityBytes else { return evicted }
            // Evict down to 90 % of the bound, oldest use first, so one sort pays for several insertions.
            for (oldKey, entry) in state.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) where state.bytes > capacityBytes * 9 / 10 && oldKey != key {
                state.entries.removeValue(forKey: oldKey)
                state.bytes -= entry.bytes
                evicted += 1
                if let family = lineage?(oldKey)?.family, state.newest[family]?.key == oldKey { state.newest.removeValue(forKey: family) }
            }
            return evicted
        }
        if evicted > 0 { evictions.increment(by: Int64(evicted)) }
    }

    /// The number of kept results (tests).
    var count: Int { state.withLock { $0.entries.count } }
}
