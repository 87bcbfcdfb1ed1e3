@testable import AlpacaConnector
import AlpacaStub
import Foundation
import Testing
import TestSupport
import TradingCore
import TradingEngine

@Suite("Alpaca market hours")
struct AlpacaMarketHoursTests {
    /// The week of 4 July 2024 as Alpaca's calendar lists it: a half day on the 3rd, the 4th a holiday.
    static let week: [(date: String, open: String, close: String)] = [
        ("2024-07-01", "09:30", "16:00"), ("2024-07-02", "09:30", "16:00"), ("2024-07-03", "09:30", "13:00"), ("2024-07-05", "09:30", "16:00"),
    ]

    @Test("New York times become UTC by the daylight-saving rule, across both changes of 2024", arguments: [
        ("2024-03-08", 9, 30, "2024-03-08T14:30:00Z"), ("2024-03-11", 9, 30, "2024-03-11T13:30:00Z"),
        ("2024-03-10", 1, 30, "2024-03-10T06:30:00Z"), ("2024-03-10", 3, 30, "2024-03-10T07:30:00Z"),
        ("2024-11-01", 16, 0, "2024-11-01T20:00:00Z"), ("2024-11-04", 16, 0, "2024-11-04T21:00:00Z"),
        ("2024-07-03", 13, 0, "2024-07-03T17:00:00Z"), ("2023-12-29", 9, 30, "2023-12-29T14:30:00Z"),
    ])
    func newYork(date: String, hour: Int, minute: Int, expected: String) {
        // (The table's hours are away from the changeover hour, where a wall time is ambiguous.)
        let day = AlpacaMarketCalendar.civilDate(date)!
        #expect(NewYorkTime.instant(day, hour: hour, minute: minute) == Timestamp(iso8601: expected)!)
        #expect(NewYorkTime.date(of: Timestamp(iso8601: expected)!) == day)
    }

    @Test("the New York date of an instant is right around midnight and on the days the clocks change", arguments: [
        ("2024-03-10T04:59:59Z", "2024-03-09"), ("2024-03-10T05:00:00Z", "2024-03-10"), ("2024-03-11T03:59:59Z", "2024-03-10"),
        ("2024-03-11T04:00:00Z", "2024-03-11"), ("2024-11-03T03:59:59Z", "2024-11-02"), ("2024-11-03T04:00:00Z", "2024-11-03"),
        ("2024-11-04T04:59:59Z", "2024-11-03"), ("2024-11-04T05:00:00Z", "2024-11-04"), ("2024-07-04T03:59:59Z", "2024-07-03"),
        ("2025-01-01T04:59:59Z", "2024-12-31"), ("2025-01-01T05:00:00Z", "2025-01-01"),
    ])
    func newYorkDates(instant: String, date: String) {
        #expect(NewYorkTime.date(of: Timestamp(iso8601: instant)!) == AlpacaMarketCalendar.civilDate(date)!, "\(instant)")
    }

    @Test("the calendar says when the market is open: regular hours, a half day's 13:00 close, a holiday, a weekend", arguments: [
        ("2024-07-01T13:29:59Z", false), ("2024-07-01T13:30:00Z", true), ("2024-07-01T19:59:59Z", true), ("2024-07-01T20:00:00Z", false),
        ("2024-07-03T16:59:00Z", true), ("2024-07-03T17:00:00Z", false), ("2024-07-04T15:00:00Z", false), ("2024-07-05T14:00:00Z", true),
        ("2024-07-06T15:00:00Z", false),
    ])
    func openOrClosed(time: String, open: Bool) async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        await fixture.broker.setSessions(Self.week)
        let calendar = AlpacaMarketCalendar(rest: fixture.rest, windowDays: 10)
        #expect(try await calendar.isOpen(at: Timestamp(iso8601: time)!) == open)
    }

    @Test("no stock order is sent while the market is closed (a holiday), the reason naming the next open; crypto trades through it")
    func noOrderWhileClosed() async throws {
        let holiday = Timestamp(iso8601: "2024-07-04T15:00:00Z")!
        let now = TimeBox(holiday)
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        await fixture.broker.setSessions(Self.week)
        let calendar = AlpacaMarketCalendar(rest: fixture.rest, windowDays: 10)
        let venue = AlpacaVenue(rest: fixture.rest, clock: { now.value }, marketHours: calendar)
        await venue.setReferencePrice(FixedDecimal(100), for: Symbol("AAPL")!)
        await venue.setReferencePrice(FixedDecimal(100), for: Symbol("BTC-USD")!)
        let closed = try await venue.submit(VenueOrderRequest(clientOrderID: "hours-1", symbol: Symbol("AAPL")!, side: .buy, quantity: FixedDecimal(1)))
        guard case .rejected(let reason) = closed else { Issue.record("an order was sent on a holiday: \(closed)"); return }
        #expect(reason.hasPrefix("MARKET_HOURS") && reason.contains("it opens at 2024-07-05T13:30:00Z"), "\(reason)")
        let crypto = try await venue.submit(VenueOrderRequest(clientOrderID: "hours-2", symbol: Symbol("BTC-USD")!, side: .buy, quantity: FixedDecimal("0.01")!))
        guard case .accepted = crypto else { Issue.record("crypto was held back: \(crypto)"); return }
        now.value = Timestamp(iso8601: "2024-07-05T14:00:00Z")!
        let open = try await venue.submit(VenueOrderRequest(clientOrderID: "hours-3", symbol: Symbol("AAPL")!, side: .buy, quantity: FixedDecimal(1)))
        guard case .accepted = open else { Issue.record("an order in the session was refused: \(open)"); return }
        #expect((await fixture.broker.orders).map(\.clientOrderID) == ["hours-2", "hours-3"])
    }
}

@Suite("Alpaca daily bars by session")
struct AlpacaSessionBucketsTests {
    @Test("a minute belongs to its regular session's bar, stamped midnight UTC of its date and released at the next open, holidays skipped", arguments: [
        ("2024-07-01T13:30:00Z", "2024-07-01", "2024-07-01T20:00:00Z", "2024-07-02T13:30:00Z"),
        ("2024-07-01T19:59:00Z", "2024-07-01", "2024-07-01T20:00:00Z", "2024-07-02T13:30:00Z"),
        // The half day closes at 13:00; its bar is released after the holiday, at Friday's open.
        ("2024-07-03T16:59:00Z", "2024-07-03", "2024-07-03T17:00:00Z", "2024-07-05T13:30:00Z"),
        // Friday's bar reaches the loop at Monday's open.
        ("2024-07-05T14:00:00Z", "2024-07-05", "2024-07-05T20:00:00Z", "2024-07-08T13:30:00Z"),
    ])
    func inSession(minute: String, date: String, end: String, release: String) async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        await fixture.broker.setSessions(AlpacaMarketHoursTests.week + [("2024-07-08", "09:30", "16:00")])
        let buckets = AlpacaSessionBuckets(calendar: AlpacaMarketCalendar(rest: fixture.rest, windowDays: 10), timeframe: .oneDay)!
        let bucket = try #require(try await buckets.bucket(containing: Timestamp(iso8601: minute)!))
        #expect(bucket.openTime == Timestamp(iso8601: date + "T00:00:00Z")! && bucket.end == Timestamp(iso8601: end)! && bucket.release == Timestamp(iso8601: release)!)
        #expect(try await buckets.bucket(stamped: bucket.openTime) == bucket)
    }

    @Test("intraday bars are UTC slots cut to the session; the one ending at the close waits for the next open", arguments: [
        // (timeframe, minute, stamp, start, end, release)
        (Timeframe.oneHour, "2024-07-01T13:45:00Z", "2024-07-01T13:00:00Z", "2024-07-01T13:30:00Z", "2024-07-01T14:00:00Z", "2024-07-01T14:00:00Z"),
        (.oneHour, "2024-07-01T19:59:00Z", "2024-07-01T19:00:00Z", "2024-07-01T19:00:00Z", "2024-07-01T20:00:00Z", "2024-07-02T13:30:00Z"),
        (.fifteenMinutes, "2024-07-03T16:50:00Z", "2024-07-03T16:45:00Z", "2024-07-03T16:45:00Z", "2024-07-03T17:00:00Z", "2024-07-05T13:30:00Z"),
        (.fourHours, "2024-07-03T14:00:00Z", "2024-07-03T12:00:00Z", "2024-07-03T13:30:00Z", "2024-07-03T16:00:00Z", "2024-07-03T16:00:00Z"),
        (.oneMinute, "2024-07-05T19:59:00Z", "2024-07-05T19:59:00Z", "2024-07-05T19:59:00Z", "2024-07-05T20:00:00Z", "2024-07-08T13:30:00Z"),
    ])
    func intraday(timeframe: Timeframe, minute: String, stamp: String, start: String, end: String, release: String) async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        await fixture.broker.setSessions(AlpacaMarketHoursTests.week + [("2024-07-08", "09:30", "16:00")])
        let buckets = AlpacaSessionBuckets(calendar: AlpacaMarketCalendar(rest: fixture.rest, windowDays: 10), timeframe: timeframe)!
        let bucket = try #require(try await buckets.bucket(containing: Timestamp(iso8601: minute)!))
        #expect(bucket == BarBucket(openTime: Timestamp(iso8601: stamp)!, start: Timestamp(iso8601: start)!, end: Timestamp(iso8601: end)!,
                                    release: Timestamp(iso8601: release)!))
        #expect(try await buckets.bucket(stamped: bucket.openTime) == bucket)
        #expect(try await buckets.bucket(containing: Timestamp(iso8601: "2024-07-01T20:00:00Z")!) == nil, "after the close")
    }

    @Test("minutes outside the regular session, on a holiday or a weekend belong to no daily bar", arguments: [
        "2024-07-01T13:29:00Z", "2024-07-01T20:00:00Z", "2024-07-03T17:00:00Z", "2024-07-04T15:00:00Z", "2024-07-06T15:00:00Z",
    ])
    func outsideSession(minute: String) async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        await fixture.broker.setSessions(AlpacaMarketHoursTests.week)
        let buckets = AlpacaSessionBuckets(calendar: AlpacaMarketCalendar(rest: fixture.rest, windowDays: 10), timeframe: .oneDay)!
        #expect(try await buckets.bucket(containing: Timestamp(iso8601: minute)!) == nil)
        #expect(try await buckets.bucket(stamped: Timestamp(iso8601: "2024-07-04T00:00:00Z")!) == nil)
    }

    @Test("daily bars built from a stock's minutes read by REST: the regular session's minutes only, a half day's to 13:00")
    func dailyBarsFromMinutes() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        await fixture.broker.setSessions(AlpacaMarketHoursTests.week)
        // Minutes from 13:00 to 21:00 UTC on the 1st and the 3rd (before, in and after the session).
        var minutes: [Bar] = []
        for day in ["2024-07-01", "2024-07-03"] {
            let first = Timestamp(iso8601: day + "T13:00:00Z")!
            for index in 0..<480 {
                let price = Price(FixedDecimal(100 + index % 50))
                minutes.append(try Bar(openTime: first.adding(milliseconds: Int64(index) * 60_000), open: price, high: price, low: price, close: price,
                                       volume: Quantity(FixedDecimal(1))))
            }
        }
        await fixture.broker.setBars(minutes, symbol: "AAPL")
        let calendar = AlpacaMarketCalendar(rest: fixture.rest, windowDays: 10)
        let minuteFeed = AlpacaMarketDataFeed(streamURL: "ws://127.0.0.1:\(fixture.server.port)/v2/iex", history: AlpacaBarHistory(rest: fixture.rest),
                                              credentials: AlpacaCredentials(keyID: AlpacaStubFixture.keyID, secret: AlpacaStubFixture.secret), clock: { Timestamp(iso8601: "2024-07-05T14:00:00Z")! })
        let feed = AggregatingMarketDataFeed(minutes: minuteFeed, timeframe: .oneDay, buckets: AlpacaSessionBuckets(calendar: calendar, timeframe: .oneDay)!,
                                             clock: { Timestamp(iso8601: "2024-07-05T14:00:00Z")! })
        let bars = try await feed.history(symbol: Symbol("AAPL")!, timeframe: .oneDay,
                                          range: Timestamp(iso8601: "2024-07-01T00:00:00Z")!..<Timestamp(iso8601: "2024-07-05T14:00:00Z")!)
        #expect(bars.map(\.openTime.iso8601) == ["2024-07-01T00:00:00Z", "2024-07-03T00:00:00Z"])
        // 390 minutes in the full session (13:30–20:00 UTC), 210 on the half day (13:30–17:00).
        #expect(bars.map { $0.volume?.value } == [FixedDecimal(390), FixedDecimal(210)])
        let sessionMinutes = minutes.filter { $0.openTime >= Timestamp(iso8601: "2024-07-01T13:30:00Z")! && $0.openTime < Timestamp(iso8601: "2024-07-01T20:00:00Z")! }
        #expect(bars[0].open == sessionMinutes.first!.open && bars[0].close == sessionMinutes.last!.close
                && bars[0].high == sessionMinutes.map(\.high).max()! && bars[0].low == sessionMinutes.map(\.low).min()!)
    }

    @Test("a calendar whose refresh fails goes on with the sessions it read; one never read is an error")
    func staleCalendarKept() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        await fixture.broker.setSessions(AlpacaMarketHoursTests.week)
        // Every lookup asks for a refresh.
        let calendar = AlpacaMarketCalendar(rest: fixture.rest, windowDays: 10, refreshAfter: .zero)
        #expect(try await calendar.isOpen(at: Timestamp(iso8601: "2024-07-01T14:00:00Z")!))
        await fixture.broker.inject(rateLimits: 1)
        #expect(try await calendar.isOpen(at: Timestamp(iso8601: "2024-07-01T14:00:00Z")!), "the refresh got a 429: the sessions read stay in use")
        await fixture.broker.inject(rateLimits: 1)
        await #expect(throws: (any Error).self) { _ = try await calendar.isOpen(at: Timestamp(iso8601: "2025-07-01T14:00:00Z")!) }
    }

    @Test("/v2/clock: the broker's time (New York local with its offset) and whether the market is open")
    func marketClock() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        let today = Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000)).iso8601.prefix(10)
        await fixture.broker.setSessions([(String(today), "00:00", "23:59")])
        let before = Int64(Date().timeIntervalSince1970 * 1_000)
        let reading = try await AlpacaMarketCalendar(rest: fixture.rest).marketClock()
        let after = Int64(Date().timeIntervalSince1970 * 1_000)
        // Between the request and its answer (the broker's time has whole seconds), however slow the suite runs.
        let time = reading.clock.time.millisecondsSinceEpoch
        #expect(time >= before - 1_000 && time <= after + 1_000, "\(time) outside \(before)...\(after)")
        #expect(reading.clock.nextClose != nil)
    }
}

/// A settable time for a venue's clock.
final class TimeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Timestamp
    init(_ value: Timestamp) { stored = value }
    var value: Timestamp {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
