import Hummingbird
import TradingCore
import TradingEngine

/// `GET /api/v1/venues` (viewer): the feed and the venue of this process.
enum VenueRoutes {
    static func register(on router: some RouterMethods<APIRequestContext>, dependencies: ServerDependencies) {
        router.get("/venues") { request, _ in
            _ = try QueryValidator(request, allowed: [])
            let status = await dependencies.venueStatus?()
            return JSONResponse.make(body(status, now: dependencies.clock.now()))
        }
    }

    /// The body: `feed` is null in a process that runs no live feed (serve, worker, a replay).
    static func body(_ status: VenueStatus?, now: Timestamp) -> JSONValue {
        let waits: JSONValue = .object([("count", .integer(Int64(status?.budgetWaits ?? 0))), ("waited_ms", .integer(status?.budgetWaitedMilliseconds ?? 0))])
        return .object([
            ("feed", status?.feed.map { feed(of: $0, now: now) } ?? .null),
            ("venue", .string(status?.venue ?? "none")),
            ("rate_limits", .array((status?.rateLimits ?? []).map { limit in
                .object([("type", .string(limit.type)), ("window_ms", .integer(limit.windowMilliseconds)), ("limit", .integer(Int64(limit.limit))),
                         ("used", .integer(Int64(limit.used)))])
            })),
            ("banned_until", status?.bannedUntil.map { .string($0.iso8601) } ?? .null),
            ("rate_budget_waits", waits),
            ("orders", status?.activity.map(orders) ?? .null),
            ("account_stream", status?.accountStream.map { stream in
                .object([
                    ("subscribed", .bool(stream.subscribed)), ("subscriptions", .integer(Int64(stream.subscriptions))),
                    ("reconnects", .integer(Int64(stream.reconnects))), ("events_received", .integer(Int64(stream.eventsReceived))),
                    ("malformed_frames", .integer(Int64(stream.malformedFrames))), ("last_error", stream.lastError.map { .string($0) } ?? .null),
                ])
            } ?? .null),
            ("time", .string(now.iso8601)),
        ])
    }

    /// The loop's orders on an external venue and its last reconciliation.
    static func orders(_ activity: VenueActivity.Snapshot) -> JSONValue {
        .object([
            ("in_flight", .integer(Int64(activity.ordersInFlight))), ("sent", .integer(Int64(activity.ordersSent))),
            ("refused", .integer(Int64(activity.ordersRefused))), ("unknown_outcomes", .integer(Int64(activity.unknownOutcomes))),
            ("fills_booked", .integer(Int64(activity.fillsBooked))), ("reports_ignored", .integer(Int64(activity.reportsIgnored))),
            ("decision_latency_ms", activity.decisionLatency.map { latency in
                .object([
                    ("samples", .integer(Int64(latency.samples))), ("step_p50", .number(latency.stepP50)), ("step_p99", .number(latency.stepP99)),
                    ("stored_p50", .number(latency.storedP50)), ("stored_p99", .number(latency.storedP99)),
                    ("sending_p50", .number(latency.sendingP50)), ("sending_p99", .number(latency.sendingP99)),
                ])
            } ?? .null),
            ("last_reconciliation", activity.lastReconciliation.map { result in
                .object([
                    ("time", .string(result.time.iso8601)), ("orders_in_flight", .integer(Int64(result.ordersInFlight))),
                    ("orders_found", .integer(Int64(result.ordersFound))), ("orders_never_placed", .integer(Int64(result.ordersNeverPlaced))),
                    ("fills_booked", .integer(Int64(result.fillsBooked))), ("clean", .bool(result.problems.isEmpty)),
                    ("problems", .array(result.problems.map(JSONValue.string))),
                ])
            } ?? .null),
        ])
    }

    /// A feed's members, with the lag of its newest bar's close behind now.
    static func feed(of feed: VenueStatus.Feed, now: Timestamp) -> JSONValue {
        .object([
            ("name", .string(feed.name)), ("connected", .bool(feed.connected)), ("connections", .integer(Int64(feed.connections))),
            ("reconnects", .integer(Int64(feed.reconnects))), ("gaps_healed", .integer(Int64(feed.gapsHealed))),
            ("bars_healed", .integer(Int64(feed.barsHealed))), ("bars_received", .integer(Int64(feed.barsEmitted))),
            ("malformed_frames", .integer(Int64(feed.malformedFrames))), ("duplicate_frames", .integer(Int64(feed.duplicateFrames))),
            ("newest_bar_close", feed.newestBarClose.map { .string($0.iso8601) } ?? .null),
            ("lag_seconds", feed.newestBarClose.map { .number(Double(now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch) / 1000) } ?? .null),
            ("last_error", feed.lastError.map { .string($0) } ?? .null),
        ])
    }
}
