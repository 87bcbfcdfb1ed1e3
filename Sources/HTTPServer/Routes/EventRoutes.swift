import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SecuritySupervisor
import TradingCore
import TradingEngine

/// Server-Sent Events: what happens to an account as it happens — `bar` (an equity mark), `fill`,
/// `order` (an order placed or changed: its newest state, in the order written),
/// `state` (ACTIVE / REDUCING / HALTED and why), `alert` (the risk gate's and the supervisor's),
/// `signal` (the feedback loop's) — read from the store, so any process sharing the database
/// streams what any other did. Each event's id is a cursor: a client reconnecting with
/// `Last-Event-ID` resumes after the last event it saw, missing nothing and repeating nothing.
enum EventRoutes: RouteGroup {
    /// How often the store is read for what is new.
    static let pollInterval: Duration = .milliseconds(250)
    /// A comment line at least this often keeps proxies from closing an idle stream.
    static let keepAlive: Duration = .seconds(15)
    /// The most events one read of each source sends.
    static let batch = 200

    static func routes(_ dependencies: ServerDependencies) -> [APIRoute] {
        let parameters = [Schema.accountQuery,
                          Schema.query("max_events", "Close the stream after this many events (1–100000; default: never).", ["type": "integer", "minimum": 1, "maximum": 100_000]),
                          Schema.query("timeout_seconds", "Close the stream after this many seconds (1–86400; default: never).", ["type": "integer", "minimum": 1, "maximum": 86_400]),
                          ["name": "Last-Event-ID", "in": "header", "required": false, "description": "The id of the last event received: the stream resumes after it.",
                           "schema": ["type": "string", "maxLength": 1000]]]
        let description = """
            Server-Sent Events (text/event-stream) of the account: `bar` (an equity mark: time, bar_index, equity, cash, gross_exposure, \
            state), `fill`, `order` (an order placed or changed: its newest status and filled quantity, in the order written; two changes between reads arrive as one), `state` (a change \
            of trading state with its rule and reason), `alert` (the risk gate's, `source: risk`, and the \
            supervisor's), `signal` (the feedback loop's). Read from the store every 250 ms; a comment every 15 s keeps the connection open. \
            Without `Last-Event-ID` the stream starts now; with it, after that event.
            """
        return [
            APIRoute(APIOperation(
                .get, "/api/v1/events", id: "streamEvents", tag: .trading, summary: "Live events", role: .viewer, description: description,
                parameters: parameters, success: .text("The event stream.", contentType: "text/event-stream"), problems: [.invalidParameter])
            ) { request, _ in
                try await stream(request, dependencies: dependencies)
            },
            APIRoute(APIOperation(
                .get, "/ui/events", id: "streamDashboardEvents", tag: .dashboard, summary: "Live events for the pages", role: .viewer,
                authentication: .session, description: "The same stream for the dashboard's pages (a browser's EventSource sends the session cookie, not a key).",
                parameters: parameters, success: .text("The event stream.", contentType: "text/event-stream"), problems: [.invalidParameter])
            ) { request, _ in
                try await stream(request, dependencies: dependencies)
            },
        ]
    }

    static let schemas: [(String, JSONValue)] = []

    /// An event id: the cursor after the event, as URL-safe text.
    static func identifier(_ cursor: ActivityCursor) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return ((try? encoder.encode(cursor)) ?? Data()).base64URLEncoded
    }

    /// The cursor an event id carries, or nil when it is not one.
    static func cursor(_ identifier: String) -> ActivityCursor? {
        guard let data = Data(base64URL: identifier) else { return nil }
        return try? JSONDecoder().decode(ActivityCursor.self, from: data)
    }

    private static func stream(_ request: Request, dependencies: ServerDependencies) async throws -> Response {
        let query = try QueryValidator(request, allowed: ["account", "max_events", "timeout_seconds"])
        let account = try TradingRoutes.account(query)
        let maximum = try query.parsed("max_events", accepted: "an integer from 1 to 100000") { Int($0).flatMap { (1...100_000).contains($0) ? $0 : nil } }
        let timeout = try query.parsed("timeout_seconds", accepted: "an integer from 1 to 86400") { Int($0).flatMap { (1...86_400).contains($0) ? $0 : nil } }
        let start: ActivityCursor
        if let last = request.headers[HTTPField.Name("Last-Event-ID")!] {
            guard let cursor = cursor(last) else { throw ProblemDetails.invalidParameter("Last-Event-ID", "is not an id this stream sent") }
            start = cursor
        } else {
            start = try await dependencies.store.latestActivity(account: account)
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        let store = dependencies.store, securityStore = dependencies.securityStore, hub = dependencies.events
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // Follow the process's reader of the account first, then send what this client missed
            // until where that reader stands; the cursor drops anything sent already.
            let (hubCursor, batches, subscriber) = try await hub.subscribe(account: account)
            var cursor = start, sent = 0
            let clock = ContinuousClock()
            let deadline = timeout.map { clock.now + .seconds($0) }
            var lastWrite = clock.now
            func send(_ events: [ActivityEvent]) async throws -> Bool {
                for event in events where event.advance(&cursor) {
                    let data = String(decoding: event.data.serialized(), as: UTF8.self)
                    try await writer.write(ByteBuffer(string: "id: \(identifier(cursor))\nevent: \(event.name)\ndata: \(data)\n\n"))
                    lastWrite = clock.now
                    sent += 1
                    if let maximum, sent >= maximum { return false }
                }
                return true
            }
            do {
                try await writer.write(ByteBuffer(string: ": connected\nretry: 2000\n\n"))
                var open = true
                var missed = start
                while open {
                    let events = try await newEvents(after: &missed, account: account, store: store, securityStore: securityStore, upTo: hubCursor)
                    if events.isEmpty { break }
                    open = try await send(events)
                }
                if open {
                    for await batch in batches {
                        guard try await send(batch) else { break }
                        if let deadline, clock.now >= deadline { break }
                        if clock.now - lastWrite >= keepAlive {
                            try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                            lastWrite = clock.now
                        }
                    }
                }
                await hub.unsubscribe(account: account, subscriber: subscriber)
                try await writer.finish(nil)
            } catch {
                // The client went away (or the server stops): the stream ends here.
                await hub.unsubscribe(account: account, subscriber: subscriber)
                throw error
            }
        })
    }

    /// What happened after `cursor` (and, with `limit`, not after it), oldest first within each
    /// kind; `cursor` moves past all of it.
    static func newEvents(after cursor: inout ActivityCursor, account: String, store: any Store, securityStore: any SecurityAlertStore,
                          upTo limit: ActivityCursor? = nil) async throws -> [ActivityEvent] {
        var events: [ActivityEvent] = []
        func with(_ value: JSONValue) -> JSONValue {
            guard case .object(let members) = value else { return value }
            return .object([("account", .string(account))] + members)
        }
        // An event the upper cursor is already past is within the bound.
        func within(_ event: ActivityEvent) -> Bool {
            guard var bound = limit else { return true }
            return !event.advance(&bound)
        }
        var found: [ActivityEvent] = []
        for point in try await store.equityPoints(account: account, afterBarIndex: cursor.barIndex, limit: batch) {
            found.append(ActivityEvent(name: "bar", data: with(Representations.equityPoint(point)), position: .bar(point.barIndex)))
        }
        for fill in try await store.tradingFills(account: account, afterTime: cursor.fillTime, fillID: cursor.fillID, limit: batch) {
            found.append(ActivityEvent(name: "fill", data: with(Representations.trade(fill)), position: .fill(time: fill.time.millisecondsSinceEpoch, id: fill.fillID)))
        }
        for (sequence, order) in try await store.tradingOrderChanges(account: account, afterSequence: cursor.orderSequence, limit: batch) {
            found.append(ActivityEvent(name: "order", data: with(Representations.order(order)), position: .order(sequence)))
        }
        for (id, alert) in try await store.tradingAlerts(account: account, afterID: cursor.tradingAlertID, limit: batch) {
            let body: JSONValue = ["account": .string(account), "source": "risk", "level": .string(alert.level), "rule": .string(alert.rule),
                                   "message": .string(alert.message), "time": .string(alert.time.iso8601)]
            // The gate writes a change of state as "ACTIVE → HALTED: why".
            found.append(ActivityEvent(name: alert.message.contains("→") ? "state" : "alert", data: body, position: .tradingAlert(id)))
        }
        for alert in try await securityStore.securityAlerts(afterID: cursor.securityAlertID, limit: batch) {
            found.append(ActivityEvent(name: "alert", data: Representations.securityAlert(alert), position: .securityAlert(alert.id)))
        }
        for (id, signal) in try await store.learningSignals(afterID: cursor.signalID, limit: batch) {
            found.append(ActivityEvent(name: "signal", data: Representations.signal(signal), position: .signal(id)))
        }
        for event in found where within(event) && event.advance(&cursor) { events.append(event) }
        return events
    }
}
