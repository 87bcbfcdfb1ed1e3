import Hummingbird
import TradingCore
import TradingEngine

/// System status, instruments and bars under `/api/v1` (viewer role).
enum MarketRoutes {
    /// The most bars one page returns.
    static let maximumPageSize = 5000
    /// The page size when `limit` is not given.
    static let defaultPageSize = 500

    static func register(on router: some RouterMethods<APIRequestContext>, dependencies: ServerDependencies) {
        let statusCache = StatusCache()
        router.get("/system/status") { request, _ in
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
        }
        router.get("/instruments") { request, _ in
            _ = try QueryValidator(request, allowed: [])
            let instruments = try await dependencies.store.instruments()
            return JSONResponse.make(["instruments": .array(instruments.map(Representations.instrument))])
        }
        router.get("/market/bars") { request, _ in
            let query = try barQuery(request)
            let page = try await dependencies.store.bars(query)
            guard page.seriesExists else {
                throw ProblemDetails(.notFound, detail: "no \(query.timeframe.rawValue) bars are stored for \(query.symbol)")
            }
            return JSONResponse.make(bytes: Representations.barPage(page, symbol: query.symbol, timeframe: query.timeframe))
        }
    }

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
