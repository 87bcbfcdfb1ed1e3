import Testing
import TradingCore
import TradingEngine

@Suite("The venue clock: the venue's time and pace from readings")
struct VenueClockTests {
    static let origin = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    @Test("before any reading it is the fallback clock; after readings it runs at their pace from the newest")
    func followsTheReadings() {
        let clock = VenueClock(fallback: { Self.origin })
        #expect(clock.now() == Self.origin)
        let start = ContinuousClock.now - .seconds(2)
        // A clock 60 times faster than this machine's, read every 250 ms.
        for step in 0...8 {
            clock.observe(Self.origin.adding(milliseconds: Int64(step) * 15_000), at: start + .milliseconds(250 * step))
        }
        #expect(abs(clock.rate - 60) < 1e-9)
        let newest = Self.origin.adding(milliseconds: 8 * 15_000)
        let before = ContinuousClock.now
        let now = clock.now().millisecondsSinceEpoch
        let elapsed = (before - (start + .milliseconds(2_000))).components
        let expected = newest.millisecondsSinceEpoch + Int64((Double(elapsed.seconds) * 1_000 + Double(elapsed.attoseconds) / 1e15) * 60)
        #expect(now >= expected && now < expected + 60 * 50, "\(now - expected)")
    }

    @Test("a reading that would put it back holds it still; a change of pace is followed within the rate window")
    func monotonicAndAdaptive() {
        let clock = VenueClock(minimumSpan: .milliseconds(500), rateWindow: .seconds(2), fallback: { Self.origin })
        let start = ContinuousClock.now - .seconds(10)
        // Frozen for four seconds (a stub waiting for its client), then 60 times this machine's pace.
        for step in 0...16 { clock.observe(Self.origin, at: start + .milliseconds(250 * step)) }
        #expect(clock.rate == 0)
        for step in 1...12 { clock.observe(Self.origin.adding(milliseconds: Int64(step) * 15_000), at: start + .milliseconds(4_000 + 250 * step)) }
        #expect(abs(clock.rate - 60) < 1e-9, "the readings of the last two seconds are all at the new pace")
        let ahead = clock.now()
        clock.observe(Self.origin, at: ContinuousClock.now)
        #expect(clock.now() >= ahead, "never backwards")
    }
}
