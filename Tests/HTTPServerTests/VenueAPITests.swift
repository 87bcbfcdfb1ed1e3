import Foundation
import HTTPServer
import HummingbirdTesting
import Testing
import TradingCore
import TradingEngine

@Suite("Venue API: the live feed and the venue of this process")
struct VenueAPITests {
    @Test("a process without a live feed answers feed null and venue none")
    func noFeed() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await client.execute(uri: "/api/v1/venues", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                let json = try response.json
                #expect(json["feed"] is NSNull && json["venue"] as? String == "none" && json["orders"] is NSNull)
            }
        }
    }

    @Test("a live feed and venue: connection, lag behind now, the rate budget, the account stream and the orders")
    func liveFeed() async throws {
        let newestClose = Timestamp(iso8601: "2024-01-01T00:00:00Z")!
        let snapshot = await VenueActivity().snapshot
        let status = VenueStatus(
            feed: VenueStatus.Feed(name: "binance", connected: true, connections: 2, reconnects: 1, gapsHealed: 1, barsHealed: 3, barsEmitted: 40,
                                   malformedFrames: 0, duplicateFrames: 1, newestBarClose: newestClose, lastError: nil),
            venue: "binance", rateLimits: [VenueStatus.RateLimit(type: "REQUEST_WEIGHT", windowMilliseconds: 60_000, limit: 6000, used: 12)],
            bannedUntil: nil, activity: snapshot,
            accountStream: VenueStatus.AccountStream(subscribed: true, subscriptions: 1, reconnects: 0, eventsReceived: 5, malformedFrames: 0, lastError: nil))
        try await withServer(adjusting: { $0.venueStatus = { status } }) { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await client.execute(uri: "/api/v1/venues", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                let json = try response.json
                let feed = try #require(json["feed"] as? [String: Any])
                #expect(feed["connected"] as? Bool == true && feed["reconnects"] as? Int == 1 && feed["bars_received"] as? Int == 40)
                // The fixture's clock stands at the bars' start, so the lag is measured from there.
                let lag = try #require(feed["lag_seconds"] as? Double)
                #expect(lag == Double(fixture.dependencies.clock.now().millisecondsSinceEpoch - newestClose.millisecondsSinceEpoch) / 1000)
                #expect((json["rate_limits"] as? [[String: Any]])?.first?["used"] as? Int == 12)
                #expect((json["account_stream"] as? [String: Any])?["events_received"] as? Int == 5)
                #expect((json["orders"] as? [String: Any])?["sent"] as? Int == 0)
            }
            // The status route shows the same feed.
            try await client.execute(uri: "/api/v1/system/status", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect((try response.json["feed"] as? [String: Any])?["name"] as? String == "binance")
            }
        }
    }
}
