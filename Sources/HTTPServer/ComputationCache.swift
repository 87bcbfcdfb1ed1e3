import Logging
import Prometheus
import Synchronization

/// Results of expensive computations (a forecaster or HMM fit) kept by a key that names everything
/// the result depends on, bounded by an estimate of their memory and evicted least recently used
/// first. Concurrent requests for a key that is being computed wait for that one computation
/// instead of starting their own; a failed computation is not kept (each of its waiters gets the
/// error, the next request tries again). Keys of one lineage (the same question about newer bars)
/// keep only their newest results (one unless told more): an older one is never asked for again,
/// and left to age out it would fill the bound with dead results, which an API process's memory
/// shows as steady growth.
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
        /// The kept keys of each lineage's newest generations, oldest first.
        var newest: [Key: [(key: Key, generation: Int64)]] = [:]
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
    private let failures: Counter
    /// Reports failed computations prepared in the background, which no request reports.
    private let logger: Logger
    private let name: String
    private let keptBytes: Gauge
    private let keptEntries: Gauge
    /// A key's lineage, when results of older generations are dead once newer ones are kept (nil: LRU only).
    private let lineage: (@Sendable (Key) -> Lineage?)?
    /// The generations of a lineage kept at most.
    private let generationsKept: Int

    /// A cache named `name` in the metrics (`orchestrator_cache_*{cache="name"}`); a lineage keeps
    /// its newest `generationsKept` generations (more than one where requests still ask for the
    /// previous one while the newest is prepared ahead of them).
    init(name: String, capacityBytes: Int, registry: PrometheusCollectorRegistry, generationsKept: Int = 1,
         lineage: (@Sendable (Key) -> Lineage?)? = nil) {
        precondition(generationsKept >= 1, "a lineage keeps at least its newest generation")
        self.capacityBytes = capacityBytes
        self.lineage = lineage
        self.generationsKept = generationsKept
        self.name = name
        logger = Logger(label: "orchestrator.cache")
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
        failures = registry.makeCounter(descriptor: MetricNameDescriptor(
            namespace: "orchestrator", subsystem: "cache", metricName: "failures", unitName: "total",
            helpText: "Computations prepared in the background that failed (not kept; the first request that needs the result tries again)."), labels: labels)
        (keptBytes, keptEntries) = cacheSizeGauges(name: name, registry: registry)
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
            let task = computation(for: key, compute)
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
            return (try await task.value.0, .miss)
        }
    }

    /// The task that computes the result for `key` and keeps it, or, when it fails, forgets it at
    /// once: the task settles itself, so no request that comes after it ends finds it still running.
    /// A failed computation started by a request is the request's to report (some are expected: a
    /// 422 for too few bars); one prepared in the `background` is counted and logged here, since
    /// nothing else would report it.
    private func computation(for key: Key, background: Bool = false,
                             _ compute: @escaping @Sendable () async throws -> (Value, bytes: Int)) -> Task<(Value, Int), any Error> {
        Task { () async throws -> (Value, Int) in
            do {
                let (value, bytes) = try await compute()
                keep(value, bytes: bytes, for: key)
                return (value, bytes)
            } catch {
                if background, !(error is CancellationError) {
                    failures.increment()
                    logger.warning("a computation prepared in the background failed; the first request that needs it tries again",
                                   metadata: ["cache": .string(name), "error": .string(String(describing: error))])
                }
                _ = state.withLock { $0.running.removeValue(forKey: key) }
                throw error
            }
        }
    }

    /// The kept result for `key` (counted as a hit), or nil (not counted) when none is kept.
    func kept(for key: Key) -> Value? {
        let value: Value? = state.withLock { state in
            guard var entry = state.entries[key] else { return nil }
            state.uses += 1
            entry.lastUse = state.uses
            state.entries[key] = entry
            return entry.value
        }
        if value != nil { lookups[.hit]?.increment() }
        return value
    }

    /// Starts computing the result for `key` in the background (counted as a miss) unless it is
    /// kept, or a result of its lineage is being computed already: a result requests will soon ask
    /// for, prepared ahead of them, one computation per lineage at a time however fast its data
    /// moves on. A failure is not kept; the first request that needs the result tries again.
    func prepare(for key: Key, compute: @escaping @Sendable () async throws -> (Value, bytes: Int)) {
        let family = lineage?(key)?.family
        let task: Task<(Value, Int), any Error>? = state.withLock { state in
            guard state.entries[key] == nil, state.running[key] == nil else { return nil }
            if let family, state.running.keys.contains(where: { lineage?($0)?.family == family }) { return nil }
            let task = computation(for: key, background: true, compute)
            state.running[key] = task
            return task
        }
        if task != nil { lookups[.miss]?.increment() }
    }

    /// Stores a computed result (unless it alone exceeds the bound, or it is older than every kept
    /// generation of its lineage when as many as the lineage keeps are), drops the generations of
    /// its lineage beyond that number, and evicts the least recently used results until the kept ones fit.
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
                var kept = state.newest[place.family] ?? []
                // A computation about older data than every kept one, ended after theirs: its answer is served, not kept.
                if kept.count >= generationsKept, let oldest = kept.first, place.generation < oldest.generation { return 0 }
                // Another key of the same generation (its data corrected since) and generations beyond the bound are superseded.
                var superseded = kept.filter { $0.generation == place.generation && $0.key != key }.map(\.key)
                kept.removeAll { $0.generation == place.generation }
                kept.append((key, place.generation))
                kept.sort { $0.generation < $1.generation }
                while kept.count > generationsKept { superseded.append(kept.removeFirst().key) }
                for old in superseded {
                    guard let entry = state.entries.removeValue(forKey: old) else { continue }
                    state.bytes -= entry.bytes
                    evicted += 1
                }
                state.newest[place.family] = kept
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
                if let family = lineage?(oldKey)?.family {
                    state.newest[family]?.removeAll { $0.key == oldKey }
                    if state.newest[family]?.isEmpty == true { state.newest.removeValue(forKey: family) }
                }
            }
            return evicted
        }
        if evicted > 0 { evictions.increment(by: Int64(evicted)) }
    }

    /// Whether the result for `key` is being computed (tests).
    func isComputing(_ key: Key) -> Bool { state.withLock { $0.running[key] != nil } }

    /// The number of kept results (tests).
    var count: Int { state.withLock { $0.entries.count } }
}

/// `orchestrator_cache_size_bytes` and `orchestrator_cache_entries` of the cache `name`: one
/// descriptor for every cache that reports what it keeps, so their help texts cannot differ.
func cacheSizeGauges(name: String, registry: PrometheusCollectorRegistry) -> (bytes: Gauge, entries: Gauge) {
    let labels = [("cache", name)]
    return (registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "cache", metricName: "size", unitName: "bytes",
                                                                helpText: "Estimated memory of the kept results."), labels: labels),
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "cache", metricName: "entries", unitName: "",
                                                                helpText: "Kept results."), labels: labels))
}
