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
