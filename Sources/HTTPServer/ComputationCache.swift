import Prometheus
import Synchronization

/// Results of expensive computations (a forecaster or HMM fit) kept by a key that names everything
/// the result depends on, bounded by an estimate of their memory and evicted least recently used
/// first. Concurrent requests for a key that is being computed wait for that one computation
/// instead of starting their own; a failed computation is not kept (each of its waiters gets the
/// error, the next request tries again).
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

    /// A cache named `name` in the metrics (`orchestrator_cache_*{cache="name"}`).
    init(name: String, capacityBytes: Int, registry: PrometheusCollectorRegistry) {
        self.capacityBytes = capacityBytes
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
            helpText: "Results dropped to stay within the cache's memory bound."), labels: labels)
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

    /// Stores a computed result (unless it alone exceeds the bound) and evicts the least recently
    /// used results until the kept ones fit.
    private func keep(_ value: Value, bytes: Int, for key: Key) {
        let evicted = state.withLock { state -> Int in
            defer {
                // Under the lock, so that two stores cannot leave an older figure last.
                keptBytes.set(to: Double(state.bytes))
                keptEntries.set(to: Double(state.entries.count))
            }
            state.running.removeValue(forKey: key)
            guard bytes <= capacityBytes else { return 0 }
            state.uses += 1
            if let previous = state.entries.updateValue(Entry(value: value, bytes: bytes, lastUse: state.uses), forKey: key) {
                state.bytes -= previous.bytes
            }
            state.bytes += bytes
            guard state.bytes > capacityBytes else { return 0 }
            // Evict down to 90 % of the bound, oldest use first, so one sort pays for several insertions.
            var evicted = 0
            for (oldKey, entry) in state.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) where state.bytes > capacityBytes * 9 / 10 && oldKey != key {
                state.entries.removeValue(forKey: oldKey)
                state.bytes -= entry.bytes
                evicted += 1
            }
            return evicted
        }
        if evicted > 0 { evictions.increment(by: Int64(evicted)) }
    }

    /// The number of kept results (tests).
    var count: Int { state.withLock { $0.entries.count } }
}
