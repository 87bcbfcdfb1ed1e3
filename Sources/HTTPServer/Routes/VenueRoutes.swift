import Hummingbird
import TradingCore
import TradingEngine

/// `GET /api/v1/venues` (viewer): the feed and the venue of this process.
enum VenueRoutes: RouteGroup {
    static func routes(_ dependencies: ServerDependencies) -> [APIRoute] {
        [
            APIRoute(APIOperation(
                .get, "/api/v1/venues", id: "getVenues", tag: .system, summary: "Live feed and venue", role: .viewer,
                description: "The market data feed of this process (connection, reconnects, healed gaps, the newest bar's lag) and its venue with the rate budget; `feed` is null in a process that runs no live feed.",
                success: .json("The feed and venue.", Schema.ref("VenueStatus")), problems: [.invalidParameter])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                let status = await dependencies.venueStatus?()
                return JSONResponse.make(body(status, now: dependencies.clock.now()))
            },
        ]
    }

    /// The schemas of this route's body.
    static let schemas: [(String, JSONValue)] = [
        ("FeedStatus", Schema.object([
            ("name", Schema.string), ("connected", Schema.boolean), ("connections", Schema.integer), ("reconnects", Schema.integer),
            ("gaps_healed", Schema.integer), ("bars_healed", Schema.integer), ("bars_received", Schema.integer), ("malformed_frames", Schema.integer),
            ("duplicate_frames", Schema.integer), ("newest_bar_close", Schema.nullableDateTime), ("lag_seconds", ["type": ["number", "null"]]),
            ("last_error", Schema.nullableString),
        ])),
        ("VenueStatus", Schema.object([
            ("feed", Schema.nullable(Schema.ref("FeedStatus"))), ("venue", Schema.string),
            ("rate_limits", Schema.array(Schema.object([("type", Schema.string), ("window_ms", Schema.integer), ("limit", Schema.integer),
                                                        ("used", Schema.integer)]))),
            ("banned_until", Schema.nullableDateTime),
            ("rate_budget_waits", Schema.object([("count", Schema.integer), ("waited_ms", Schema.integer)])),
            ("orders", Schema.nullable(Schema.ref("VenueOrders"), description: "Null when orders are simulated (--venue paper).")),
            ("account_stream", Schema.nullable(Schema.object([
                ("subscribed", Schema.boolean), ("subscriptions", Schema.integer), ("reconnects", Schema.integer), ("events_received", Schema.integer),
                ("malformed_frames", Schema.integer), ("last_error", Schema.nullableString),
            ]), description: "The account's event stream over the WebSocket API; null when none runs.")),
            ("time", Schema.dateTime),
        ])),
        ("VenueOrders", Schema.object([
            ("in_flight", Schema.integer), ("sent", Schema.integer), ("refused", Schema.integer), ("unknown_outcomes", Schema.integer),
            ("fills_booked", Schema.integer), ("reports_ignored", Schema.integer),
            ("decision_latency_ms", Schema.nullable(Schema.object([
                ("samples", Schema.integer), ("step_p50", Schema.number), ("step_p99", Schema.number), ("stored_p50", Schema.number),
                ("stored_p99", Schema.number), ("sending_p50", Schema.number), ("sending_p99", Schema.number),
                ("from_feed_p50", Schema.number), ("from_feed_p99", Schema.number),
            ]), description: "Of the last live bars that ordered: from the bar reaching the loop to the step computed, stored, and its orders handed to the venue; "
                + "from_feed_* from the feed completing the bar's group (its last symbol's closing bar) to its orders handed to the venue.")),
            ("last_reconciliation", Schema.nullable(Schema.object([
                ("time", Schema.dateTime), ("orders_in_flight", Schema.integer), ("orders_found", Schema.integer),
                ("orders_never_placed", Schema.integer), ("fills_booked", Schema.integer), ("clean", Schema.boolean),
                ("problems", Schema.array(Schema.string)),
            ]))),
        ])),
    ]

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
                    ("from_feed_p50", .number(latency.fromFeedP50)), ("from_feed_p99", .number(latency.fromFeedP99)),
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
