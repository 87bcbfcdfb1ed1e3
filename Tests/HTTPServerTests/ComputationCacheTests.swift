@testable import HTTPServer
import Prometheus
import Synchronization
import Testing
import TestSupport

@Suite("Computation cache")
struct ComputationCacheTests {
    /// A computation that waits until it is let go, counting how often it started.
    final class Gate: Sendable {
        let started = Atomic<Int>(0)
        private let release: AsyncStream<Void>
        private let continuation: AsyncStream<Void>.Continuation

        init() { (release, continuation) = AsyncStream.makeStream() }

        func compute(_ value: Int) async -> (Int, bytes: Int) {
            started.add(1, ordering: .relaxed)
            for await _ in release { break }
            return (value, bytes: 10)
        }

        func open() { continuation.finish() }
    }

    @Test("concurrent requests for one key wait for one computation and get its result")
    func concurrentRequestsComputeOnce() async throws {
        let cache = ComputationCache<String, Int>(name: "test", capacityBytes: 1_000, registry: PrometheusCollectorRegistry())
        let gate = Gate()
        let first = Task { try await cache.value(for: "a") { await gate.compute(1) } }
        while gate.started.load(ordering: .relaxed) == 0 { await Task.yield() }
        // Started while the first computation runs: these join it instead of computing 2 and 3.
        let second = Task { try await cache.value(for: "a") { await gate.compute(2) } }
        let third = Task { try await cache.value(for: "a") { await gate.compute(3) } }
        try await Task.sleep(for: .milliseconds(20))
        gate.open()
        let results = [try await first.value, try await second.value, try await third.value]
        #expect(results.map(\.0) == [1, 1, 1])
        #expect(results.map(\.1) == [.miss, .joined, .joined])
        #expect(gate.started.load(ordering: .relaxed) == 1)
        let again = try await cache.value(for: "a") { (99, bytes: 10) }
        #expect(again.0 == 1 && again.1 == .hit)
    }

    struct Failure: Error {}

    @Test("a failed computation is not kept: its waiters get the error and the next request computes again")
    func failuresAreNotKept() async throws {
        let cache = ComputationCache<String, Int>(name: "test", capacityBytes: 1_000, registry: PrometheusCollectorRegistry())
        await #expect(throws: Failure.self) { try await cache.value(for: "a") { throw Failure() } }
        let retried = try await cache.value(for: "a") { (5, bytes: 10) }
        #expect(retried.0 == 5 && retried.1 == .miss)
        #expect(cache.count == 1)
    }

    @Test("a failed preparation is counted, a failed request's computation is not (the request reports it), a cancelled one neither")
    func backgroundFailuresCounted() async throws {
        let registry = PrometheusCollectorRegistry()
        let cache = ComputationCache<String, Int>(name: "test", capacityBytes: 1_000, registry: registry)
        func failures() -> String {
            var text: [UInt8] = []
            registry.emit(into: &text)
            return String(decoding: text, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("orchestrator_cache_failures_total{") }.map(String.init) ?? ""
        }
        await #expect(throws: Failure.self) { try await cache.value(for: "request") { throw Failure() } }
        cache.prepare(for: "cancelled") { throw CancellationError() }
        #expect(await eventually(within: .seconds(120)) { !cache.isComputing("cancelled") })
        #expect(failures() == #"orchestrator_cache_failures_total{cache="test"} 0"#)
        cache.prepare(for: "background") { throw Failure() }
        #expect(await eventually(within: .seconds(120)) { !cache.isComputing("background") })
        #expect(failures() == #"orchestrator_cache_failures_total{cache="test"} 1"#)
    }

    @Test("the kept results stay within the memory bound, the least recently used evicted first")
    func evictsLeastRecentlyUsed() async throws {
        let registry = PrometheusCollectorRegistry()
        let cache = ComputationCache<Int, Int>(name: "test", capacityBytes: 100, registry: registry)
        for key in 0..<10 { _ = try await cache.value(for: key) { (key, bytes: 10) } }
        #expect(cache.count == 10)
        _ = try await cache.value(for: 0) { (-1, bytes: 10) }   // 0 is now the most recently used
        _ = try await cache.value(for: 10) { (10, bytes: 10) }  // 110 bytes: 1 and 2 evicted, down to 90
        #expect(cache.count == 9)
        #expect(try await cache.value(for: 0) { (-1, bytes: 10) }.1 == .hit)
        #expect(try await cache.value(for: 10) { (-1, bytes: 10) }.1 == .hit)
        #expect(try await cache.value(for: 1) { (-1, bytes: 10) }.1 == .miss)
        // A result larger than the whole bound is served and not kept.
        let large = try await cache.value(for: 99) { (99, bytes: 1_000) }
        #expect(large.0 == 99)
        #expect(try await cache.value(for: 99) { (7, bytes: 1_000) }.0 == 7)
        var text: [UInt8] = []
        registry.emit(into: &text)
        #expect(String(decoding: text, as: UTF8.self).contains(#"orchestrator_cache_evictions_total{cache="test"}"#))
    }

    /// A question ("series:version") whose lineage is the series and generation the version.
    static func versioned(generationsKept: Int = 1) -> ComputationCache<String, Int> {
        ComputationCache<String, Int>(name: "test", capacityBytes: 1_000, registry: PrometheusCollectorRegistry(), generationsKept: generationsKept) { key in
            let parts = key.split(separator: ":")
            return .init(family: String(parts[0]), generation: Int64(parts[1])!)
        }
    }

    @Test("a result about newer data drops the kept result of its lineage at once; other lineages keep theirs")
    func newerDataSupersedes() async throws {
        let cache = Self.versioned()
        for version in 1...50 {
            _ = try await cache.value(for: "BTC:\(version)") { (version, bytes: 10) }
            _ = try await cache.value(for: "ETH:\(version)") { (version, bytes: 10) }
        }
        // 100 results computed, well within the bound: only each series' newest is kept.
        #expect(cache.count == 2)
        let newest = try await cache.value(for: "BTC:50") { (-1, bytes: 10) }
        #expect(newest.0 == 50 && newest.1 == .hit)
        #expect(try await cache.value(for: "BTC:49") { (-1, bytes: 10) }.1 == .miss)
    }

    @Test("a computation about older data that ends after a newer one's is served but not kept in its place")
    func lateOlderResultIsNotKept() async throws {
        let cache = Self.versioned()
        let gate = Gate()
        let older = Task { try await cache.value(for: "BTC:1") { await gate.compute(1) } }
        while gate.started.load(ordering: .relaxed) == 0 { await Task.yield() }
        _ = try await cache.value(for: "BTC:2") { (2, bytes: 10) }
        gate.open()
        let late = try await older.value
        #expect(late.0 == 1 && late.1 == .miss)
        #expect(cache.count == 1)
        let kept = try await cache.value(for: "BTC:2") { (-1, bytes: 10) }
        #expect(kept.0 == 2 && kept.1 == .hit)
    }

    @Test("a lineage told to keep two generations keeps the newest two, and an older result than both is served but not kept")
    func twoGenerationsKept() async throws {
        let cache = Self.versioned(generationsKept: 2)
        for version in [1, 2, 3, 5] { _ = try await cache.value(for: "BTC:\(version)") { (version, bytes: 10) } }
        #expect(cache.count == 2)
        #expect(try await cache.value(for: "BTC:3") { (-1, bytes: 10) }.1 == .hit)
        #expect(try await cache.value(for: "BTC:5") { (-1, bytes: 10) }.1 == .hit)
        // Older than both kept: answered, not kept.
        #expect(try await cache.value(for: "BTC:2") { (2, bytes: 10) }.1 == .miss)
        #expect(try await cache.value(for: "BTC:2") { (2, bytes: 10) }.1 == .miss)
        // Between them: kept, and the oldest goes.
        _ = try await cache.value(for: "BTC:4") { (4, bytes: 10) }
        #expect(cache.count == 2)
        #expect(try await cache.value(for: "BTC:3") { (-1, bytes: 10) }.1 == .miss)
    }

    @Test("a prepared result is computed once in the background and then served as kept; one preparation per lineage runs at a time")
    func preparedInTheBackground() async throws {
        // Waits are long and polled without blocking: on a loaded two-core machine a new task can wait
        // tens of seconds for a thread of the cooperative pool (the CI runs of this test took 47 s).
        let patience = Duration.seconds(120)
        let cache = Self.versioned(generationsKept: 2)
        let gate = Gate()
        cache.prepare(for: "BTC:1") { await gate.compute(1) }
        #expect(await eventually(within: patience) { gate.started.load(ordering: .relaxed) == 1 })
        // While BTC:1 is being prepared, neither it again nor BTC:2 of the same lineage starts; ETH:1 does.
        let others = Atomic<Int>(0)
        cache.prepare(for: "BTC:1") { others.add(1, ordering: .relaxed); return (-1, bytes: 10) }
        cache.prepare(for: "BTC:2") { others.add(1, ordering: .relaxed); return (-1, bytes: 10) }
        cache.prepare(for: "ETH:1") { (11, bytes: 10) }
        #expect(await eventually(within: patience) { cache.kept(for: "ETH:1") == 11 })
        #expect(others.load(ordering: .relaxed) == 0 && cache.kept(for: "BTC:1") == nil && !cache.isComputing("BTC:2"))
        // A request for the key being prepared joins that computation.
        let joined = Task { try await cache.value(for: "BTC:1") { (-1, bytes: 10) } }
        gate.open()
        #expect(try await joined.value.0 == 1)
        #expect(await eventually(within: patience) { cache.kept(for: "BTC:1") == 1 })
        // A failed preparation keeps nothing, and is forgotten as soon as it ends: the next request computes.
        cache.prepare(for: "BTC:3") { throw CancellationError() }
        #expect(await eventually(within: patience) { !cache.isComputing("BTC:3") })
        #expect(cache.kept(for: "BTC:3") == nil)
        #expect(try await cache.value(for: "BTC:3") { (3, bytes: 10) }.1 == .miss)
    }
}
