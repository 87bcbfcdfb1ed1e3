import Foundation
@testable import HTTPServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import TradingCore
import TradingEngine

@Suite("Event stream: bars, fills, state changes and alerts, resumed after the last event seen")
struct EventStreamTests {
    /// The events of a finished stream: (id, event, data) of each, in order.
    static func events(_ text: String) -> [(id: String, event: String, data: [String: Any])] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var id = "", event = "", data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            guard !event.isEmpty, let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { return nil }
            return (id, event, object)
        }
    }

    static let beginning = ActivityCursor(barIndex: -1, fillTime: Int64.min, fillID: "", tradingAlertID: 0, securityAlertID: 0, signalID: 0, orderSequence: 0)

    static func read(_ client: any TestClientProtocol, _ fixture: ServerFixture, _ uri: String, after lastEventID: String?) async throws -> (Int, String) {
        var headers = fixture.headers(.viewer)
        if let lastEventID { headers[HTTPField.Name("Last-Event-ID")!] = lastEventID }
        return try await client.execute(uri: uri, method: .get, headers: headers) { response in
            (Int(response.status.code), String(buffer: response.body))
        }
    }

    @Test("a stream resumed with Last-Event-ID continues after the last event seen: nothing missed, nothing repeated")
    func resumes() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await TradingAPITests.runner(fixture.store).run(maximumSteps: 12)
            let (status, first) = try await Self.read(client, fixture, "/api/v1/events?max_events=4", after: EventRoutes.identifier(Self.beginning))
            let head = Self.events(first)
            #expect(status == 200 && head.map(\.event) == ["bar", "bar", "bar", "bar"], "\(first)")
            #expect(head.map { $0.data["bar_index"] as? Int } == [0, 1, 2, 3] && head.first?.data["account"] as? String == "paper")
            // Everything after the fourth bar: the other bars, then the fills, each once.
            let (_, rest) = try await Self.read(client, fixture, "/api/v1/events?timeout_seconds=1", after: head.last?.id)
            let tail = Self.events(rest)
            #expect(tail.filter { $0.event == "bar" }.map { $0.data["bar_index"] as? Int } == Array(4..<12).map { $0 })
            let fills = try await fixture.store.tradingFills(account: "paper", limit: 1000)
            #expect(tail.filter { $0.event == "fill" }.count == fills.count && !fills.isEmpty)
            // Each order in its newest state (written after the bars already read), with its status.
            let orders = try await fixture.store.tradingOrders(account: "paper", limit: 1000)
            let orderEvents = tail.filter { $0.event == "order" }
            #expect(orderEvents.count == orders.count && !orders.isEmpty)
            #expect(Set(orderEvents.compactMap { $0.data["client_order_id"] as? String }) == Set(orders.map(\.clientOrderID)))
            #expect(orderEvents.allSatisfy { $0.data["status"] is String && $0.data["account"] as? String == "paper" })
            // From the last id, nothing is left.
            let (_, none) = try await Self.read(client, fixture, "/api/v1/events?timeout_seconds=1", after: tail.last?.id)
            #expect(Self.events(none).isEmpty && none.hasPrefix(": connected"))
        }
    }

    @Test("without Last-Event-ID the stream starts now; a change of state and an operator's halt arrive as they happen")
    func startsNow() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await TradingAPITests.runner(fixture.store).run(maximumSteps: 5)
            let (_, quiet) = try await Self.read(client, fixture, "/api/v1/events?timeout_seconds=1", after: nil)
            #expect(Self.events(quiet).isEmpty, "what happened before the connection is not sent again: \(quiet)")
            let before = EventRoutes.identifier(try await fixture.store.latestActivity(account: "paper"))
            _ = try await fixture.store.requestTradingCommand(TradingCommand(id: nil, account: "paper", kind: .halt, flatten: false, reason: "drill",
                                                                             requestedAt: Timestamp(millisecondsSinceEpoch: 0), appliedAt: nil))
            try await TradingAPITests.runner(fixture.store).run(maximumSteps: 2)
            let (_, after) = try await Self.read(client, fixture, "/api/v1/events?timeout_seconds=1", after: before)
            let state = Self.events(after).first { $0.event == "state" }
            #expect(state?.data["rule"] as? String == "manual_halt" && (state?.data["message"] as? String)?.contains("HALTED") == true, "\(after)")
        }
    }

    @Test("a Last-Event-ID the stream did not send, or a bad limit, is a 400", arguments: [
        ("/api/v1/events", "not-a-cursor"), ("/api/v1/events?max_events=0", nil), ("/api/v1/events?timeout_seconds=x", nil),
    ] as [(String, String?)])
    func badRequests(uri: String, lastEventID: String?) async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            #expect(try await Self.read(client, fixture, uri, after: lastEventID).0 == 400)
        }
    }

    @Test("the dashboard's pages read the same stream with their session, and ship the script that follows it")
    func dashboardStream() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await TradingAPITests.runner(fixture.store).run(maximumSteps: 3)
            let browser = DashboardTests.Browser(client)
            _ = try await browser.signIn(fixture.keys[.viewer]!)
            var headers = browser.headers
            headers[HTTPField.Name("Last-Event-ID")!] = EventRoutes.identifier(Self.beginning)
            try await client.execute(uri: "/ui/events?max_events=2", method: .get, headers: headers) { (response: TestResponse) async throws in
                #expect(response.status == .ok && response.headers[.contentType] == "text/event-stream")
                #expect(Self.events(String(buffer: response.body)).map(\.event) == ["bar", "bar"])
            }
            let overview = try await browser.send("/ui")
            #expect(overview.text.contains("data-events=\"/ui/events?account=paper\"") && overview.text.contains("/ui/static/dashboard.js"))
            let script = try await browser.send("/ui/static/dashboard.js")
            #expect(script.status == 200 && script.text.contains("new EventSource"))
        }
    }
}

@Suite("Event hub: one reader of the store per account, however many streams follow it")
struct EventHubTests {
    @Test("two followers of an account share one reader, which stops when the last leaves; both get each batch")
    func sharedReader() async throws {
        let fixture = try await ServerFixture.make()
        try await withCleanup {
            let hub = EventHub(store: fixture.store, securityStore: fixture.store, pollInterval: .milliseconds(20))
            let first = try await hub.subscribe(account: "paper")
            let second = try await hub.subscribe(account: "paper")
            #expect(await hub.counts == (1, 2) && first.cursor == second.cursor)
            try await TradingAPITests.runner(fixture.store).run(maximumSteps: 3)
            // Each follower sees the three new bars, in order, through the one reader.
            for follower in [first, second] {
                var bars: [Int] = []
                for await batch in follower.batches {
                    bars += batch.compactMap { if case .bar(let index) = $0.position { index } else { nil } }
                    if bars.count >= 3 { break }
                }
                #expect(bars == [0, 1, 2])
            }
            await hub.unsubscribe(account: "paper", subscriber: first.subscriber)
            #expect(await hub.counts == (1, 1))
            await hub.unsubscribe(account: "paper", subscriber: second.subscriber)
            #expect(await hub.counts == (0, 0))
        } cleanup: {
            await fixture.close()
        }
    }
}
