import Hummingbird
import TradingCore
import TradingEngine

/// System status, instruments and bars under `/api/v1` (viewer role).
enum MarketRoutes: RouteGroup {
    /// The most bars one page returns.
    static let maximumPageSize = 5000
    /// The page size when `limit` is not given.
    static let defaultPageSize = 500

    static func routes(_ dependencies: ServerDependencies) -> [APIRoute] {
        let statusCache = StatusCache()
        return [
            APIRoute(APIOperation(
                .get, "/api/v1/system/status", id: "getSystemStatus", tag: .system, summary: "Service status", role: .viewer,
                description: "Version, uptime, database backend and schema, and market-data totals (refreshed at most once a second; `as_of` says when).",
                success: .json("The status.", Schema.ref("SystemStatus")), problems: [.invalidParameter])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                let figures = try await statusCache.current(store: dependencies.store, clock: dependencies.clock)
                let now = dependencies.clock.now()
                let settings = dependencies.settings
                return JSONResponse.make([
                    "service": "trading-orchestrator",
                    "version": .string(settings.version),
                    "started_at": .string(settings.startedAt.iso8601),
                    "uptime_seconds": .integer((now.millisecondsSinceEpoch - settings.startedAt.millisecondsSinceEpoch) / 1000),
                    "time": .string(now.iso8601),
                    "database": [
                        "backend": .string(dependencies.store.backendName),
                        "schema_version": .int(figures.schemaVersion),
                        "latest_schema_version": .int(dependencies.store.latestSchemaVersion),
                    ],
                    "market_data": [
                        "instruments": .int(figures.instrumentCount),
                        "series": .int(figures.seriesCount),
                        "bars": .int(figures.barCount),
                        "as_of": .string(figures.asOf.iso8601),
                    ],
                    "feed": await dependencies.venueStatus?()?.feed.map { VenueRoutes.feed(of: $0, now: now) } ?? .null,
                ])
            },
            APIRoute(APIOperation(
                .get, "/api/v1/instruments", id: "listInstruments", tag: .marketData, summary: "Instruments and their series", role: .viewer,
                description: "Every instrument with its stored bar series: timeframe, kind, count and time range.",
                success: .json("The instruments, ordered by symbol.", Schema.ref("InstrumentList")), problems: [.invalidParameter])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                let instruments = try await dependencies.store.instruments()
                return JSONResponse.make(["instruments": .array(instruments.map(Representations.instrument))])
            },
            APIRoute(APIOperation(
                .get, "/api/v1/market/bars", id: "listBars", tag: .marketData, summary: "A page of bars", role: .viewer,
                description: "Bars with start ≤ open_time < end, oldest first. When more remain, `next_start` is the `start` of the next page.",
                parameters: [
                    Schema.query("symbol", required: true, "The instrument, such as BTC-USD.", Schema.symbol),
                    Schema.query("timeframe", required: true, "The bar length.", Schema.timeframe),
                    Schema.query("start", "Earliest open time included (ISO-8601 UTC).", Schema.dateTime),
                    Schema.query("end", "Open time excluded (ISO-8601 UTC); must not be before start.", Schema.dateTime),
                    Schema.query("limit", "Bars per page.", ["type": "integer", "minimum": 1, "maximum": .int(maximumPageSize), "default": .int(defaultPageSize)]),
                ],
                success: .json("A page of bars.", Schema.ref("BarPage")), problems: [.invalidParameter, .notFound])
            ) { request, _ in
                let query = try barQuery(request)
                let page = try await dependencies.store.bars(query)
                guard page.seriesExists else {
                    throw ProblemDetails(.notFound, detail: "no \(query.timeframe.rawValue) bars are stored for \(query.symbol)")
                }
                return JSONResponse.make(bytes: Representations.barPage(page, symbol: query.symbol, timeframe: query.timeframe))
            },
        ]
    }

    /// The schemas of these routes' bodies.
    static let schemas: [(String, JSONValue)] = [
        ("SystemStatus", Schema.object([
            ("service", Schema.string), ("version", Schema.string), ("started_at", Schema.dateTime), ("uptime_seconds", Schema.integer),
            ("time", Schema.dateTime),
            ("database", Schema.object([("backend", Schema.strings(["sqlite", "postgresql"])), ("schema_version", Schema.integer),
                                        ("latest_schema_version", Schema.integer)])),
            ("market_data", Schema.object([("instruments", Schema.integer), ("series", Schema.integer), ("bars", Schema.integer),
                                           ("as_of", Schema.dateTime)])),
            ("feed", Schema.nullable(Schema.ref("FeedStatus"))),
        ])),
        ("BarSeries", Schema.object([
            ("timeframe", Schema.timeframe), ("kind", Schema.enumeration(BarSeriesKind.self)),
            ("bar_count", Schema.integer), ("first_open_time", Schema.nullableDateTime), ("last_open_time", Schema.nullableDateTime),
        ])),
        ("Instrument", Schema.object([
            ("symbol", Schema.string), ("asset_class", Schema.enumeration(AssetClass.self)), ("quote_currency", Schema.nullableString),
            ("series", Schema.array(Schema.ref("BarSeries"))),
        ])),
        ("InstrumentList", Schema.object([("instruments", Schema.array(Schema.ref("Instrument")))])),
        ("Bar", Schema.object([
            ("open_time", Schema.dateTime), ("open", Schema.decimal), ("high", Schema.decimal), ("low", Schema.decimal), ("close", Schema.decimal),
            ("volume", ["type": ["string", "null"], "description": "Exact decimal, null for close-only series."]),
        ], description: "One bar; open_time is the start of the bar.")),
        ("BarPage", Schema.object([
            ("symbol", Schema.string), ("timeframe", Schema.string), ("bars", Schema.array(Schema.ref("Bar"))), ("next_start", Schema.nullableDateTime),
        ])),
    ]

    static func barQuery(_ request: Request) throws -> BarQuery {
        let parameters = try QueryValidator(request, allowed: ["symbol", "timeframe", "start", "end", "limit"])
        let symbolText = try parameters.required("symbol")
        guard let symbol = Symbol(symbolText) else { throw ProblemDetails.invalidParameter("symbol", "must be \(Symbol.rule)") }
        let timeframeText = try parameters.required("timeframe")
        guard let timeframe = Timeframe(rawValue: timeframeText) else {
            throw ProblemDetails.invalidParameter("timeframe", "'\(timeframeText)' is not a timeframe; expected one of \(Timeframe.codes.joined(separator: ", "))")
        }
        let timeFormat = "ISO-8601 UTC such as 2024-01-02 or 2024-01-02T03:00:00Z"
        let start = try parameters.parsed("start", accepted: timeFormat) { Timestamp(iso8601: $0) }
        let end = try parameters.parsed("end", accepted: timeFormat) { Timestamp(iso8601: $0) }
        // end == start is an empty range; end before start is a mistake worth reporting.
        if let start, let end, end < start { throw ProblemDetails.invalidParameter("end", "must not be before start") }
        let limit = try parameters.parsed("limit", accepted: "an integer from 1 to \(maximumPageSize)") { text -> Int? in
            guard let value = Int(text), (1...maximumPageSize).contains(value) else { return nil }
            return value
        } ?? defaultPageSize
        return BarQuery(symbol: symbol, timeframe: timeframe, start: start, end: end, limit: limit)
    }
}
