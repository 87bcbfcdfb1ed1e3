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
    /// A reading that fails (a venue still starting, a network not yet up, a slow first answer) is retried after
    /// 1, 2, 4 and 8 s (`retryAfter` doubling), each failure logged; the fifth failure in a row ends the start with its error.
    static func start(_ clock: VenueClock, logger: Logger, retryAfter: Duration = .seconds(1),
                      read: @Sendable () async throws -> (time: Timestamp, at: ContinuousClock.Instant)) async throws {
        var readings = 0
        var failures = 0
        while readings < 5 {
            do {
                try await take(clock, read)
                readings += 1
                failures = 0
                if readings < 5 { try await Task.sleep(for: .milliseconds(250)) }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failures += 1
                guard failures < 5 else { throw error }
                let wait = retryAfter * (1 << (failures - 1))
                logger.warning("the venue's time could not be read: retrying", metadata: ["error": "\(error)", "retry_in": "\(wait)"])
                try await Task.sleep(for: wait)
            }
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
