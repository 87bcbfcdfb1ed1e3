import Logging
import ServiceLifecycle
import TradingCore
import TradingEngine

/// Keeps a `VenueClock` on the venue's time: a reading of the server time every `interval`.
struct VenueClockService: Service {
    let clock: VenueClock
    let read: @Sendable () async throws -> (time: Timestamp, at: ContinuousClock.Instant)
    var interval: Duration = .milliseconds(250)
    let logger: Logger

    /// Takes the first readings, a second's worth, so the clock knows the venue's time and pace before anything uses it.
    static func start(_ clock: VenueClock, read: @Sendable () async throws -> (time: Timestamp, at: ContinuousClock.Instant)) async throws {
        for reading in 0..<5 {
            if reading > 0 { try await Task.sleep(for: .milliseconds(250)) }
            try await take(clock, read)
        }
    }

    /// One reading of the venue's time, handed to the clock.
    private static func take(_ clock: VenueClock, _ read: () async throws -> (time: Timestamp, at: ContinuousClock.Instant)) async throws {
        let (time, at) = try await read()
        clock.observe(time, at: at)
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await Self.take(clock, read)
            } catch {
                // The clock runs on at the last pace meanwhile.
                logger.debug("venue clock reading failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
