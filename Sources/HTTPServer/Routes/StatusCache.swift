import Synchronization
import TradingCore
import TradingEngine

/// Keeps the database figures of the status route for one second, so a monitor polling it hard
/// costs the database at most one round of queries a second. The body's `as_of` says how old they are.
final class StatusCache: Sendable {
    struct Figures: Sendable {
        let schemaVersion: Int
        let instrumentCount: Int
        let seriesCount: Int
        let barCount: Int
        let asOf: Timestamp
        let fetched: ContinuousClock.Instant
    }

    private let figures = Mutex<Figures?>(nil)
    private let lifetime = Duration.seconds(1)

    func current(store: any Store, clock: any TradingClock) async throws -> Figures {
        let now = ContinuousClock.now
        if let cached = figures.withLock({ $0 }), now - cached.fetched < lifetime { return cached }
        let version = try await store.schemaVersion()
        let instruments = try await store.instruments()
        let series = instruments.flatMap(\.series)
        let fresh = Figures(schemaVersion: version, instrumentCount: instruments.count, seriesCount: series.count,
                            barCount: series.reduce(0) { $0 + $1.barCount }, asOf: clock.now(), fetched: now)
        figures.withLock { $0 = fresh }
        return fresh
    }
}
