import Foundation
import Logging
import Synchronization
import Testing
import TradingCore
import TradingEngine
@testable import Orchestrator

@Suite("The venue clock's first readings")
struct VenueClockStartTests {
    struct Unanswered: Error {}

    /// The readings asked for.
    final class Calls: Sendable {
        let count = Mutex(0)
    }

    /// A read that fails `failing` times, then answers with the venue's time 10 days back.
    static func reader(failing: Int, calls: Calls) -> @Sendable () async throws -> (time: Timestamp, at: ContinuousClock.Instant) {
        { () async throws -> (time: Timestamp, at: ContinuousClock.Instant) in
            let call = calls.count.withLock { value -> Int in
                value += 1
                return value
            }
            if call <= failing { throw Unanswered() }
            return (Timestamp(millisecondsSinceEpoch: 1_700_000_000_000 + Int64(call) * 250), ContinuousClock.now)
        }
    }

    @Test("a reading that fails is retried: a slow or unreachable first answer delays the start instead of ending it", arguments: [0, 1, 4])
    func failedReadingsAreRetried(failing: Int) async throws {
        let calls = Calls()
        let clock = VenueClock(fallback: { Timestamp(millisecondsSinceEpoch: 0) })
        try await VenueClockService.start(clock, logger: Logger(label: "test"), retryAfter: .milliseconds(1), read: Self.reader(failing: failing, calls: calls))
        #expect(calls.count.withLock { $0 } == failing + 5, "five readings taken after the failures")
        #expect(abs(clock.now().millisecondsSinceEpoch - 1_700_000_000_000) < 86_400_000, "the clock is on the venue's time")
    }

    @Test("five failures in a row end the start with the last error")
    func fiveFailuresEndTheStart() async throws {
        let calls = Calls()
        let clock = VenueClock(fallback: { Timestamp(millisecondsSinceEpoch: 0) })
        var thrown: (any Error)?
        do {
            try await VenueClockService.start(clock, logger: Logger(label: "test"), retryAfter: .milliseconds(1), read: Self.reader(failing: 5, calls: calls))
        } catch {
            thrown = error
        }
        #expect(thrown is Unanswered)
        #expect(calls.count.withLock { $0 } == 5)
    }
}
