import PortfolioOptimizer
import TradingCore
import TradingEngine

/// The OpenAPI 3.1 description of every route, written by hand (no generator in the build) and
/// kept complete by a test that compares its paths with the router's.
public enum OpenAPIDocument {
    /// The document for a product version; `openHealth` and `openMetrics` say whether those
    /// routes need a key, as configured.
    public static func make(version: String, openHealth: Bool = true, openMetrics: Bool = true) -> JSONValue {
        [
            "openapi": "3.1.0",
            "info": [
                "title": "TradingOrchestrator API",
                "version": .string(version),
                "description": """
                    REST API of the TradingOrchestrator service. Routes under /api/v1 need an API key sent as \
                    `Authorization: Bearer <key>`; roles are viewer < trader < admin. Every error is \
                    application/problem+json (RFC 9457) with a stable `type`. Prices and volumes are decimal \
                    strings, times are ISO-8601 UTC.
                    """,
            ],
            "servers": [["url": "/"]],
            "security": [["bearerAuth": []]],
            "paths": .object(paths(openHealth: openHealth, openMetrics: openMetrics)),
            "components": [
                "securitySchemes": ["bearerAuth": ["type": "http", "scheme": "bearer", "description": "An API key (tok_…)."]],
                "schemas": .object(schemas),
                "responses": .object(ProblemDetails.Kind.allCases.map { kind in
                    (responseName(kind), [
                        "description": .string("\(kind.title): \(kind.explanation)"),
                        "content": ["application/problem+json": ["schema": ref("Problem")]],
                    ])
                }),
            ],
        ]
    }

    // MARK: Paths

    private static func paths(openHealth: Bool, openMetrics: Bool) -> [(String, JSONValue)] {
        let healthRole: APIKeyRole? = openHealth ? nil : .viewer
        let metricsRole: APIKeyRole? = openMetrics ? nil : .viewer
        return [
            ("/health/live", ["get": operation(
                id: "getLiveness", tag: "operations", summary: "Liveness", role: healthRole, open: openHealth,
                description: "200 while the process serves requests.",
                ok: ("The process is alive.", ref("Liveness")), problems: [])]),
            ("/health/ready", ["get": operation(
                id: "getReadiness", tag: "operations", summary: "Readiness", role: healthRole, open: openHealth,
                description: "200 when the database answers and its schema is current; 503 naming the failing part otherwise.",
                ok: ("Ready.", ref("Readiness")), problems: [.notReady])]),
            ("/metrics", ["get": operation(
                id: "getMetrics", tag: "operations", summary: "Prometheus metrics", role: metricsRole, open: openMetrics,
                description: "Prometheus text format: HTTP requests and latency by route and status, process memory, database pool.",
                ok: ("Metrics in the Prometheus text exposition format.", nil), problems: [], contentType: "text/plain")]),
            ("/openapi.json", ["get": operation(
                id: "getOpenAPI", tag: "documentation", summary: "This document", open: true,
                description: "The OpenAPI 3.1 document describing every route.",
                ok: ("The OpenAPI document.", ["type": "object"]), problems: [])]),
            ("/docs", ["get": operation(
                id: "getDocs", tag: "documentation", summary: "API documentation page", open: true,
                description: "A readable HTML page rendered from the OpenAPI document; works offline.",
                ok: ("An HTML page.", nil), problems: [], contentType: "text/html")]),
            ("/api/v1/system/status", ["get": operation(
                id: "getSystemStatus", tag: "system", summary: "Service status", role: .viewer,
                description: "Version, uptime, database backend and schema, and market-data totals (refreshed at most once a second; `as_of` says when).",
                ok: ("The status.", ref("SystemStatus")), problems: [.invalidParameter])]),
            ("/api/v1/venues", ["get": operation(
                id: "getVenues", tag: "system", summary: "Live feed and venue", role: .viewer,
                description: "The market data feed of this process (connection, reconnects, healed gaps, the newest bar's lag) and its venue with the rate budget; `feed` is null in a process that runs no live feed.",
                ok: ("The feed and venue.", ref("VenueStatus")), problems: [.invalidParameter])]),
            ("/api/v1/instruments", ["get": operation(
                id: "listInstruments", tag: "market data", summary: "Instruments and their series", role: .viewer,
                description: "Every instrument with its stored bar series: timeframe, kind, count and time range.",
                ok: ("The instruments, ordered by symbol.", ref("InstrumentList")), problems: [.invalidParameter])]),
            ("/api/v1/market/bars", ["get": operation(
                id: "listBars", tag: "market data", summary: "A page of bars", role: .viewer,
                description: "Bars with start ≤ open_time < end, oldest first. When more remain, `next_start` is the `start` of the next page.",
                parameters: [
                    queryParameter("symbol", required: true, description: "The instrument, such as BTC-USD.",
                                   schema: ["type": "string", "pattern": "^[A-Za-z0-9._\\-^/:]{1,32}$"]),
                    queryParameter("timeframe", required: true, description: "The bar length.",
                                   schema: ["type": "string", "enum": .array(Timeframe.codes.map(JSONValue.string))]),
                    queryParameter("start", required: false, description: "Earliest open time included (ISO-8601 UTC).",
                                   schema: ["type": "string", "format": "date-time"]),
                    queryParameter("end", required: false, description: "Open time excluded (ISO-8601 UTC); must not be before start.",
                                   schema: ["type": "string", "format": "date-time"]),
                    queryParameter("limit", required: false, description: "Bars per page.",
                                   schema: ["type": "integer", "minimum": 1, "maximum": .int(MarketRoutes.maximumPageSize),
                                            "default": .int(MarketRoutes.defaultPageSize)]),
                ],
                ok: ("A page of bars.", ref("BarPage")), problems: [.invalidParameter, .notFound])]),
            ("/api/v1/portfolio/optimize", ["post": operation(
                id: "optimizePortfolio", tag: "portfolio", summary: "Optimise portfolio weights", role: .viewer,
                description: """
                    Estimates expected returns and covariance from daily closes (inline `prices`, or the stored bars of \
                    `symbols` on the dates where all have a close) and optimises for an `objective`, or allocates by a \
                    `strategy` and `risk_level` (cash included). Infeasible targets and bounds, missing prices or constant \
                    series are 422 problems that say why and, where known, what is feasible.
                    """,
                requestBody: ref("OptimizeRequest"),
                ok: ("The weights and their expected performance.", ref("Optimization")),
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .unprocessable])]),
            ("/api/v1/portfolio/rebalance", ["post": operation(
                id: "rebalancePortfolio", tag: "portfolio", summary: "Plan rebalancing orders", role: .viewer,
                description: """
                    From holdings, prices and target weights: drift per asset, and when a drift exceeds the threshold, \
                    the orders that reach the targets with the least turnover, in whole lots, above the minimum notional, \
                    sells before buys, never needing more cash than there is. `method: greedy` allocates cash into whole \
                    lots instead. Nothing is traded.
                    """,
                requestBody: ref("RebalanceRequest"),
                ok: ("The plan.", ref("RebalancePlan")),
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .unprocessable])]),
            ("/api/v1/portfolio", ["get": operation(
                id: "getPortfolio", tag: "trading", summary: "The trading account's summary", role: .viewer,
                description: """
                    Equity, cash, realised and unrealised P&L, fees, gross exposure and trading state (ACTIVE, REDUCING, \
                    HALTED) of a paper account at its last processed bar, read from the store (any API process sharing \
                    the database answers the same). 404 until `orchestrator run` has stepped the account once.
                    """,
                parameters: [accountParameter],
                ok: ("The account.", ref("Portfolio")), problems: [.invalidParameter, .notFound])]),
            ("/api/v1/positions", ["get": operation(
                id: "getPositions", tag: "trading", summary: "Open positions", role: .viewer,
                description: "Open positions marked at the last close, largest value first.",
                parameters: [accountParameter],
                ok: ("The positions.", ref("PositionList")), problems: [.invalidParameter, .notFound])]),
            ("/api/v1/orders", ["get": operation(
                id: "getOrders", tag: "trading", summary: "Orders, newest first", role: .viewer,
                description: "Every order the engine placed, with its state (new, accepted, partially_filled, filled, cancelled, rejected, expired).",
                parameters: [accountParameter, limitParameter],
                ok: ("The orders.", ref("OrderList")), problems: [.invalidParameter, .notFound])]),
            ("/api/v1/trades", ["get": operation(
                id: "getTrades", tag: "trading", summary: "Fills, newest first", role: .viewer,
                description: "Every fill booked in the ledger, with its price and fee.",
                parameters: [accountParameter, limitParameter],
                ok: ("The fills.", ref("TradeList")), problems: [.invalidParameter, .notFound])]),
            ("/api/v1/equity", ["get": operation(
                id: "getEquity", tag: "trading", summary: "Equity marks, oldest first", role: .viewer,
                description: "The account's equity, cash and gross exposure at each bar close: the newest `limit` marks (default 1000, at most 100000).",
                parameters: [accountParameter, queryParameter("limit", required: false, description: "How many marks (1–100000, default 1000).", schema: integer)],
                ok: ("The marks.", ref("EquityHistory")), problems: [.invalidParameter, .notFound])]),
            ("/api/v1/portfolio/metrics", ["get": operation(
                id: "getPortfolioMetrics", tag: "trading", summary: "Metrics of the trading account", role: .viewer,
                description: "Risk and performance metrics of the account's equity marks (simple returns mark to mark; 252 periods a year for daily bars).",
                parameters: [accountParameter],
                ok: ("The account's metrics.", ref("AccountMetrics")), problems: [.invalidParameter, .notFound, .unprocessable])]),
            ("/api/v1/trading/halt", ["post": operation(
                id: "haltTrading", tag: "trading", summary: "Halt trading", role: .trader,
                description: """
                    Queues a halt for the account's engine, which applies it before its next bar (202): the state becomes \
                    HALTED, no decision is made until a resume, and with `flatten: true` every position is closed at the \
                    next bar's open. The body may be empty.
                    """,
                requestBody: ref("TradingCommandRequest"), bodyRequired: false,
                ok: ("Queued.", ref("TradingCommand")), okStatus: "202",
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .notFound])]),
            ("/api/v1/trading/resume", ["post": operation(
                id: "resumeTrading", tag: "trading", summary: "Resume trading", role: .trader,
                description: "Queues a resume (202): the state returns to ACTIVE before the next bar and the drawdown peak restarts. The body may be empty.",
                requestBody: ref("TradingResumeRequest"), bodyRequired: false,
                ok: ("Queued.", ref("TradingCommand")), okStatus: "202",
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .notFound])]),
            ("/api/v1/backtests", ["post": operation(
                id: "requestBacktest", tag: "jobs", summary: "Queue a backtest", role: .trader,
                description: """
                    Queues an sma-cross backtest of a stored symbol as a job (202 with its id); a worker (`orchestrator run` or \
                    `orchestrator worker`) runs it. An `Idempotency-Key` header makes a repeated request return the same job.
                    """,
                parameters: [["name": "Idempotency-Key", "in": "header", "required": false, "description": "Repeat-safe request key.",
                              "schema": ["type": "string", "maxLength": 190]]],
                requestBody: ref("BacktestRequest"),
                ok: ("Queued.", ref("JobAccepted")), okStatus: "202",
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge])]),
            ("/api/v1/backtests/{id}", ["get": operation(
                id: "getBacktest", tag: "jobs", summary: "A backtest job", role: .viewer,
                description: "The job's status (queued, running, succeeded, dead, cancelled), attempts and last error, and the result once it succeeded.",
                parameters: [["name": "id", "in": "path", "required": true, "description": "The job id.", "schema": ["type": "integer", "format": "int64", "minimum": 1]]],
                ok: ("The job.", ref("BacktestJob")), problems: [.invalidParameter, .notFound])]),
            ("/api/v1/feedback/status", ["get": operation(
                id: "getFeedbackStatus", tag: "feedback", summary: "The feedback loop's state", role: .viewer,
                description: """
                    Learning cycles and the last one's time, outcomes by verdict, the confidence threshold of each horizon, the model \
                    versions known to the loop, each drift detector's stream, the adaptation score (each change's gain measured only \
                    on outcomes after it) and the newest OPTIMIZATION and ADAPTATION signals.
                    """,
                ok: ("The status.", ref("FeedbackStatus")), problems: [.invalidParameter])]),
            ("/api/v1/feedback/performance", ["get": operation(
                id: "getFeedbackPerformance", tag: "feedback", summary: "Rolling forecast performance", role: .viewer,
                description: """
                    Accuracy, interval coverage, Brier score, log loss, mean squared error, log score and the calibration curve per \
                    model × horizon × symbol × regime over each group's newest `window` outcomes, and the success rate of every market \
                    signature (regime × volatility × trend), worst first: where the forecasts fail.
                    """,
                parameters: [queryParameter("horizon", required: false, description: "Only this horizon (1h, 4h…).", schema: ["type": "string"]),
                             queryParameter("symbol", required: false, description: "Only this symbol.", schema: symbolSchema),
                             queryParameter("model", required: false, description: "Only this model version.", schema: ["type": "string"]),
                             queryParameter("window", required: false, description: "Outcomes per group (1–5000, default 250).",
                                            schema: ["type": "integer", "minimum": 1, "maximum": 5000])],
                ok: ("The figures.", ref("FeedbackPerformance")), problems: [.invalidParameter])]),
            ("/api/v1/feedback/signals", ["get": operation(
                id: "getFeedbackSignals", tag: "feedback", summary: "Learning signals, newest first", role: .viewer,
                description: "SUCCESS and FAILURE of scored outcomes (with the rule), OPTIMIZATION and ADAPTATION with the numbers before and after.",
                parameters: [queryParameter("kind", required: false, description: "Only this kind.",
                                            schema: ["type": "string", "enum": ["SUCCESS", "FAILURE", "OPTIMIZATION", "ADAPTATION"]]),
                             limitParameter],
                ok: ("The signals.", object([("signals", ["type": "array", "items": ref("LearningSignal")])])), problems: [.invalidParameter])]),
            ("/api/v1/feedback/outcomes", ["post": operation(
                id: "recordFeedbackOutcome", tag: "feedback", summary: "Record an externally observed outcome", role: .trader,
                description: """
                    Scores a stored forecast against a close observed elsewhere. 404 for an unknown forecast, 409 when it already has \
                    an outcome, 422 when `observed_at` is before the forecast's target time or in the future; nothing is stored then.
                    """,
                requestBody: closedObject([
                    ("forecast_id", ["type": "integer", "format": "int64"]),
                    ("realised_close", ["type": "string", "pattern": "^([1-9][0-9]{0,17}(\\.[0-9]{1,18})?|0\\.(?=[0-9]{0,17}[1-9])[0-9]{1,18})$",
                                         "description": "A positive exact decimal number, at most 18 fractional digits."]),
                    ("observed_at", dateTime),
                ], required: ["forecast_id", "realised_close", "observed_at"], description: "The forecast and the close observed at or after its target time."),
                ok: ("The stored outcome.", ref("ForecastOutcome")), okStatus: "201",
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .notFound, .conflict, .unprocessable])]),
            ("/api/v1/feedback/optimize", ["post": operation(
                id: "optimizeFeedbackThresholds", tag: "feedback", summary: "Re-tune the confidence thresholds now", role: .admin,
                description: "Tunes each horizon's threshold on its newest 2,000 outcomes; each change is stored with an OPTIMIZATION signal.",
                ok: ("Each horizon's decision.", object([("changes", ["type": "array", "items": ref("ThresholdChange")])])), problems: [.invalidParameter])]),
            ("/api/v1/feedback/models/rollback", ["post": operation(
                id: "rollbackFeedbackModel", tag: "feedback", summary: "Put a stream's previous champion back", role: .admin,
                description: """
                    The newest RETIRED model version of the stream that once led becomes CHAMPION again and the current champion is \
                    retired, with an ADAPTATION signal; 404 when the stream has no champion, 409 when it has no earlier one. Streams are named \
                    `SYMBOL TIMEFRAME HORIZON`, as in the status' models.
                    """,
                requestBody: closedObject([("stream", ["type": "string", "examples": ["BTC-USD 1h 4h"]])], required: ["stream"],
                                          description: "The stream whose champion is rolled back."),
                ok: ("The versions swapped.", object([("stream", string), ("restored", string), ("retired", string)])),
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .notFound, .conflict])]),
            ("/api/v1/system/reset", ["post": operation(
                id: "resetLearnedState", tag: "feedback", summary: "Clear what the feedback loop learned", role: .admin,
                description: """
                    Deletes every outcome, signal, threshold, model version and detector state in one transaction, after the \
                    confirmation `{"confirm": "RESET LEARNED STATE"}` (422 otherwise). Never deletes forecasts, orders, fills, the \
                    ledger or equity points.
                    """,
                requestBody: closedObject([("confirm", ["type": "string", "const": "RESET LEARNED STATE"])], required: ["confirm"],
                                          description: "The confirmation, word for word."),
                ok: ("What was removed and what was kept.", object([
                    ("removed", object([("outcomes", integer), ("decision_outcomes", integer), ("signals", integer), ("thresholds", integer), ("model_versions", integer), ("state", integer)])),
                    ("kept", ["type": "array", "items": string]),
                ])),
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .unprocessable])]),
            ("/api/v1/supervisor/health", ["get": operation(
                id: "getSupervisorHealth", tag: "supervisor", summary: "Health checks of the last sweep", role: .viewer,
                description: "Each check of the newest sweep: status OK, DEGRADED or FAILED, value, threshold, message, duration; the worst status and the sweep's wall time. 404 until a sweep has run.",
                ok: ("The checks.", ref("SupervisorHealth")), problems: [.invalidParameter, .notFound])]),
            ("/api/v1/supervisor/scan", ["post": operation(
                id: "runSupervisorSweep", tag: "supervisor", summary: "Sweep now", role: .admin,
                description: "Runs a sweep now (checks, vulnerability scan, score, alerts) and returns both documents. 503 when this process runs no supervisor.",
                ok: ("The sweep.", ["type": "object", "properties": ["health": ref("SupervisorHealth"), "security": ref("SecuritySweep")]]),
                problems: [.invalidParameter, .notReady])]),
            ("/api/v1/supervisor/security", ["get": operation(
                id: "getSupervisorSecurity", tag: "supervisor", summary: "Security score and breakdown", role: .viewer,
                description: """
                    The security score (0–100) of the newest sweep with every deduction and its reason, the vulnerability scan's \
                    summary and the open alerts by level. 404 until a sweep has run.
                    """,
                ok: ("The sweep.", ref("SecuritySweep")), problems: [.invalidParameter, .notFound])]),
            ("/api/v1/supervisor/alerts", ["get": operation(
                id: "getSupervisorAlerts", tag: "supervisor", summary: "Supervisor alerts, newest first", role: .viewer,
                description: "Open alerts (or all with include_resolved=true): one per condition, with first and last seen, count, acknowledgement and resolution.",
                parameters: [queryParameter("include_resolved", required: false, description: "Also resolved alerts (default false).", schema: ["type": "boolean"]),
                             limitParameter],
                ok: ("The alerts.", ref("SecurityAlertList")), problems: [.invalidParameter])]),
            ("/api/v1/supervisor/alerts/{id}/ack", ["post": operation(
                id: "acknowledgeSupervisorAlert", tag: "supervisor", summary: "Acknowledge an alert", role: .trader,
                description: "Records who acknowledged the alert and when; it stays open until its condition clears.",
                parameters: [["name": "id", "in": "path", "required": true, "description": "The alert id.", "schema": ["type": "integer", "format": "int64", "minimum": 1]]],
                ok: ("The alert.", ref("SecurityAlert")), problems: [.invalidParameter, .notFound])]),
            ("/api/v1/analytics/metrics", ["post": operation(
                id: "computeMetrics", tag: "analytics", summary: "Risk and performance metrics", role: .viewer,
                description: """
                    Metrics of a simple-return series (`returns`, optionally `benchmark_returns`) or of a stored symbol's \
                    closes (optionally against `benchmark_symbol`, on the dates both have). empyrical's conventions; \
                    undefined values are null.
                    """,
                requestBody: ref("MetricsRequest"),
                ok: ("The metrics.", ref("Metrics")),
                problems: [.invalidParameter, .malformedJSON, .unsupportedMediaType, .payloadTooLarge, .unprocessable])]),
            ("/api/v1/predictions/{symbol}", ["get": operation(
                id: "getPredictions", tag: "prediction", summary: "Multi-horizon forecasts", role: .viewer,
                description: """
                    Forecasts from the symbol's stored OHLCV bars (the newest \(PredictionRoutes.maximumBars) closed by `at`): per \
                    horizon the expected log return, P(up), volatility, 80 % interval, the model behind each part (a model is used \
                    only where it beat its baseline on held-out data) and the baselines. Every forecast served is stored once (per \
                    symbol, timeframe, horizon, data time and model version) with what scoring it later needs; `newly_stored` counts \
                    the new rows.
                    """,
                parameters: [symbolPath,
                             queryParameter("horizons", required: false, description: "Comma-separated horizons such as 1h,4h,24h (multiples of the bar length); default: those of 5m,1h,4h,24h the bars can express.", schema: string),
                             queryParameter("timeframe", required: false, description: "The stored series to use; default: the shortest OHLCV series.", schema: timeframeSchema),
                             queryParameter("at", required: false, description: "Decision time; only bars closed by then are read.", schema: dateTime),
                             queryParameter("reference", required: false, description: "A reference symbol (an index, BTC for altcoins) whose 24-bar return correlation becomes a feature.", schema: symbolSchema)],
                ok: ("The forecasts.", ref("Forecasts")), problems: [.invalidParameter, .notFound, .unprocessable])]),
            ("/api/v1/regimes/{symbol}", ["get": operation(
                id: "getRegimes", tag: "prediction", summary: "Market regimes and a strategy recommendation", role: .viewer,
                description: "Trend, volatility regime, trend or range and a Gaussian HMM on the newest stored bars, each with a probability and the time it began, and the allocation strategy that suits them.",
                parameters: [symbolPath,
                             queryParameter("timeframe", required: false, description: "The stored series to use; default: the shortest OHLCV series.", schema: timeframeSchema),
                             queryParameter("states", required: false, description: "HMM states.", schema: ["type": "integer", "enum": [2, 3], "default": 2])],
                ok: ("The regimes.", ref("Regimes")), problems: [.invalidParameter, .notFound, .unprocessable])]),
            ("/api/v1/analysis/{symbol}", ["get": operation(
                id: "getAnalysis", tag: "prediction", summary: "Historical analysis", role: .viewer,
                description: "Volatility, log-price trend with its t-statistic, volume profile and the correlation matrix of a universe over a window of stored bars.",
                parameters: [symbolPath,
                             queryParameter("timeframe", required: false, description: "The stored series to use.", schema: timeframeSchema),
                             queryParameter("start", required: false, description: "First bar included.", schema: dateTime),
                             queryParameter("end", required: false, description: "Bars closed by then.", schema: dateTime),
                             queryParameter("universe", required: false, description: "Comma-separated other symbols for the correlation matrix (at most 20).", schema: string)],
                ok: ("The analysis.", ref("Analysis")), problems: [.invalidParameter, .notFound, .unprocessable])]),
            ("/api/v1/alerts", ["get": operation(
                id: "listAlerts", tag: "prediction", summary: "Predictive alerts", role: .viewer,
                description: "Volatility spikes, likely regime changes and forecast intervals breached, computed now from the stored bars of one symbol or of the stored OHLCV symbols (at most 20).",
                parameters: [queryParameter("source", required: false, description: "Only prediction exists yet.", schema: ["type": "string", "enum": ["prediction"], "default": "prediction"]),
                             queryParameter("symbol", required: false, description: "One symbol; default: every stored OHLCV symbol with at least 300 bars.", schema: symbolSchema),
                             queryParameter("timeframe", required: false, description: "The stored series to use.", schema: timeframeSchema)],
                ok: ("The alerts.", ref("Alerts")), problems: [.invalidParameter, .notFound, .unprocessable])]),
            ("/api/v1/apikeys", [
                "get": operation(
                    id: "listAPIKeys", tag: "access", summary: "List API keys", role: .admin,
                    description: "Every key with its role and state; never the key itself.",
                    ok: ("The keys.", ref("APIKeyList")), problems: [.invalidParameter]),
                "post": operation(
                    id: "createAPIKey", tag: "access", summary: "Create an API key", role: .admin,
                    description: "Creates a key and returns it once, in `key`; only its hash is stored.",
                    requestBody: ref("APIKeyCreate"),
                    ok: ("The new key, with the secret in `key`.", ref("APIKeyCreated")),
                    okStatus: "201", problems: [.malformedJSON, .unsupportedMediaType, .payloadTooLarge]),
            ]),
            ("/api/v1/apikeys/{id}", ["delete": operation(
                id: "revokeAPIKey", tag: "access", summary: "Revoke an API key", role: .admin,
                description: "Revokes a key; it stops working at once on this server and within the key-cache lifetime on others.",
                parameters: [[
                    "name": "id", "in": "path", "required": true, "description": "The key id.",
                    "schema": ["type": "integer", "format": "int64"],
                ]],
                ok: ("The revoked key.", ref("APIKey")), problems: [.invalidParameter, .notFound])]),
        ]
    }

    private static func operation(
        id: String, tag: String, summary: String, role: APIKeyRole? = nil, open: Bool = false, description: String,
        parameters: [JSONValue] = [], requestBody: JSONValue? = nil, bodyRequired: Bool = true, ok: (String, JSONValue?), okStatus: String = "200",
        problems: [ProblemDetails.Kind], contentType: String = "application/json"
    ) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("operationId", .string(id)),
            ("tags", [.string(tag)]),
            ("summary", .string(summary)),
            ("description", .string(description + (role.map { " Needs the \($0.rawValue) role or higher." } ?? ""))),
        ]
        if open { members.append(("security", [])) }
        if role != nil { members.append(("x-required-role", .string(role!.rawValue))) }
        if !parameters.isEmpty { members.append(("parameters", .array(parameters))) }
        if let requestBody {
            members.append(("requestBody", ["required": .bool(bodyRequired), "content": ["application/json": ["schema": requestBody]]]))
        }
        var okResponse: [(String, JSONValue)] = [("description", .string(ok.0))]
        let okSchema: JSONValue = ok.1 ?? ["type": "string"]
        let okContent: JSONValue = ["schema": okSchema]
        okResponse.append(("content", .object([(contentType, okContent)])))
        var responses: [(String, JSONValue)] = [(okStatus, .object(okResponse))]
        var kinds = problems
        if role != nil { kinds += [.unauthorized, .forbidden] }
        kinds.append(.internalError)
        for kind in kinds {
            let status = String(kind.status.code)
            if !responses.contains(where: { $0.0 == status }) {
                responses.append((status, ["$ref": .string("#/components/responses/\(responseName(kind))")]))
            }
        }
        members.append(("responses", .object(responses)))
        return .object(members)
    }

    private static func queryParameter(_ name: String, required: Bool, description: String, schema: JSONValue) -> JSONValue {
        ["name": .string(name), "in": "query", "required": .bool(required), "description": .string(description), "schema": schema]
    }

    private static let accountParameter = queryParameter("account", required: false, description: "The trading account (default paper).",
                                                         schema: ["type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"])
    private static let limitParameter = queryParameter("limit", required: false, description: "How many (1–1000, default 100).",
                                                       schema: ["type": "integer", "minimum": 1, "maximum": 1000])

    private static func ref(_ schema: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(schema)")] }

    static func responseName(_ kind: ProblemDetails.Kind) -> String {
        kind.rawValue.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    // MARK: Schemas

    private static func object(_ properties: [(String, JSONValue)], required: [String]? = nil, description: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", "object")]
        if let description { members.append(("description", .string(description))) }
        members.append(("required", .array((required ?? properties.map(\.0)).map(JSONValue.string))))
        members.append(("properties", .object(properties)))
        return .object(members)
    }

    private static let string: JSONValue = ["type": "string"]
    private static let nullableString: JSONValue = ["type": ["string", "null"]]
    private static let dateTime: JSONValue = ["type": "string", "format": "date-time"]
    private static let nullableDateTime: JSONValue = ["type": ["string", "null"], "format": "date-time"]
    private static let integer: JSONValue = ["type": "integer"]
    private static let decimal: JSONValue = ["type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "description": "An exact decimal number."]

    private static let number: JSONValue = ["type": "number"]
    private static let symbolSchema: JSONValue = ["type": "string", "pattern": "^[A-Za-z0-9._\\-^/:]{1,32}$"]
    private static let timeframeSchema: JSONValue = ["type": "string", "enum": .array(Timeframe.codes.map(JSONValue.string))]
    private static var symbolPath: JSONValue {
        ["name": "symbol", "in": "path", "required": true, "description": "The instrument, such as BTC-USD.", "schema": symbolSchema]
    }
    private static let weightMap: JSONValue = ["type": "object", "additionalProperties": ["type": "number"]]
    private static let nullableNumber: JSONValue = ["type": ["number", "null"], "description": "null when undefined for the data."]

    private static func closedObject(_ properties: [(String, JSONValue)], required: [String] = [], description: String,
                                     exactlyOneOf alternatives: [[String]] = []) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", "object"), ("description", .string(description)), ("additionalProperties", false),
            ("required", .array(required.map(JSONValue.string))), ("properties", .object(properties)),
        ]
        // Each group lists members of which exactly one must be present (the route answers 400 otherwise).
        if !alternatives.isEmpty {
            members.append(("allOf", .array(alternatives.map { group in
                ["oneOf": .array(group.map { ["required": [.string($0)]] })]
            })))
        }
        return .object(members)
    }

    private static func enumeration(_ values: [String], _ description: String) -> JSONValue {
        ["type": "string", "enum": .array(values.map(JSONValue.string)), "description": .string(description)]
    }

    private static var portfolioSchemas: [(String, JSONValue)] {
        let priceSource: [(String, JSONValue)] = [
            ("prices", closedObject([
                ("dates", ["type": "array", "items": dateTime]),
                ("closes", ["type": "object", "additionalProperties": ["type": "array", "items": number], "minProperties": 2,
                            "description": "One list of closes per symbol, one close per date."]),
            ], required: ["dates", "closes"], description: "Inline daily closes.")),
            ("symbols", ["type": "array", "items": symbolSchema, "minItems": 2, "uniqueItems": true,
                         "description": "Stored symbols to read closes of (instead of prices)."]),
            ("timeframe", ["type": "string", "enum": .array(Timeframe.codes.map(JSONValue.string)), "default": "1d"]),
            ("start", ["type": "string", "format": "date-time", "description": "First date included."]),
            ("end", ["type": "string", "format": "date-time", "description": "Last date included."]),
        ]
        return [
            ("OptimizeRequest", closedObject(priceSource + optimizeProperties, description: "Prices (inline or stored) and what to optimise.",
                                             exactlyOneOf: [["prices", "symbols"], ["objective", "strategy"]])),
        ] + resultSchemas
    }

    private static var optimizeProperties: [(String, JSONValue)] {
        return [
                ("objective", enumeration(OptimizationSpecification.objectives, "What to optimise; or give strategy.")),
                ("strategy", enumeration(AllocationStrategy.allCases.map(\.rawValue), "An allocation strategy (cash included); or give objective.")),
                ("risk_level", enumeration(RiskLevel.allCases.map(\.rawValue), "The strategy's risk level (default MEDIUM).")),
                ("regime", enumeration(MarketRegime.allCases.map(\.rawValue), "The market regime, for TACTICAL.")),
                ("target_return", number), ("target_volatility", number),
                ("risk_aversion", ["type": "number", "default": 1]), ("risk_free_rate", ["type": "number", "default": .number(0.02)]),
                ("returns", ["type": "string", "enum": ["cagr", "mean", "ema"], "default": "cagr"]),
                ("covariance", ["type": "string", "enum": ["sample", "ledoit-wolf", "exponential", "semicovariance"], "default": "sample"]),
                ("min_weight", ["type": "number", "default": 0]), ("max_weight", ["type": "number", "default": 1]),
                ("l2_gamma", ["type": "number", "default": 0]), ("frequency", ["type": "number", "default": 252]),
                ("groups", ["type": "array", "items": closedObject([
                    ("name", string), ("symbols", ["type": "array", "items": string]),
                    ("min", number), ("max", number),
                ], required: ["name", "symbols"], description: "Bounds on a group's total weight.")]),
                ("current_weights", weightMap), ("turnover_cost", ["type": "number", "description": "k in k·‖w − w₀‖₁; needs current_weights."]),
                ("risk_budgets", weightMap),
        ]
    }

    private static var resultSchemas: [(String, JSONValue)] {
        return [
            ("Optimization", object([
                ("weights", weightMap), ("cash_weight", number), ("objective", string), ("expected_return", number),
                ("volatility", number), ("sharpe", nullableNumber), ("elapsed_ms", number), ("assets", integer),
                ("observations", integer), ("start", dateTime), ("end", dateTime), ("notes", ["type": "array", "items": string]),
            ])),
            ("RebalanceRequest", closedObject([
                ("cash", decimal),
                ("targets", weightMap),
                ("positions", ["type": "array", "items": closedObject([
                    ("symbol", string), ("quantity", decimal), ("price", decimal), ("lot_size", decimal),
                ], required: ["symbol", "price"], description: "A holding, or a price for a target not held (quantity 0).")]),
                ("drift_threshold", ["type": "number", "default": .number(0.05)]),
                ("minimum_notional", decimal),
                ("method", ["type": "string", "enum": ["drift", "greedy"], "default": "drift"]),
            ], required: ["cash", "positions", "targets"], description: "Holdings, prices and targets; amounts are decimal strings.")),
            ("RebalancePlan", object([
                ("rebalance_needed", ["type": "boolean"]), ("reason", string),
                ("equity", decimal), ("cash_before", decimal), ("cash_after", decimal), ("leftover_cash", decimal), ("turnover", number),
                ("assets", ["type": "array", "items": object([
                    ("symbol", string), ("current_weight", number), ("target_weight", number), ("drift", number), ("weight_after", number),
                ])]),
                ("orders", ["type": "array", "items": object([
                    ("symbol", string), ("side", ["type": "string", "enum": ["buy", "sell"]]), ("quantity", decimal), ("price", decimal), ("notional", decimal),
                ])]),
            ], required: ["rebalance_needed", "reason", "orders"], description: "A drift plan has equity, cash and assets; a greedy allocation has leftover_cash.")),
            ("MetricsRequest", closedObject([
                ("returns", ["type": "array", "items": ["type": "number", "minimum": -1], "minItems": 2, "description": "Simple returns, oldest first."]),
                ("benchmark_returns", ["type": "array", "items": ["type": "number", "minimum": -1]]),
                ("symbol", symbolSchema), ("benchmark_symbol", symbolSchema),
                ("timeframe", ["type": "string", "enum": .array(Timeframe.codes.map(JSONValue.string)), "default": "1d"]),
                ("start", dateTime), ("end", dateTime),
                ("risk_free_rate", ["type": "number", "default": 0, "description": "Per period."]),
                ("required_return", ["type": "number", "default": 0, "description": "Per period (Sortino, downside risk)."]),
                ("omega_required_return", ["type": "number", "default": 0, "description": "Annual (omega)."]),
                ("periods_per_year", ["type": "number", "default": 252]),
            ], description: "A return series, or a stored symbol.", exactlyOneOf: [["returns", "symbol"]])),
            ("Metrics", object([
                ("count", integer), ("annual_return", nullableNumber), ("cumulative_return", nullableNumber),
                ("annual_volatility", nullableNumber), ("sharpe_ratio", nullableNumber), ("sortino_ratio", nullableNumber),
                ("calmar_ratio", nullableNumber), ("max_drawdown", nullableNumber),
                ("max_drawdown_peak", ["type": ["string", "integer", "null"], "description": "Date (or index) of the peak; \"start\" before the first return."]),
                ("max_drawdown_trough", ["type": ["string", "integer", "null"]]), ("max_drawdown_recovery", ["type": ["string", "integer", "null"]]),
                ("value_at_risk_95", nullableNumber), ("value_at_risk_99", nullableNumber),
                ("conditional_value_at_risk_95", nullableNumber), ("conditional_value_at_risk_99", nullableNumber),
                ("gaussian_value_at_risk_95", nullableNumber), ("gaussian_value_at_risk_99", nullableNumber),
                ("gaussian_conditional_value_at_risk_95", nullableNumber), ("gaussian_conditional_value_at_risk_99", nullableNumber),
                ("cornish_fisher_value_at_risk_95", nullableNumber), ("cornish_fisher_value_at_risk_99", nullableNumber),
                ("cornish_fisher_conditional_value_at_risk_95", nullableNumber), ("cornish_fisher_conditional_value_at_risk_99", nullableNumber),
                ("alpha", nullableNumber), ("beta", nullableNumber), ("information_ratio", nullableNumber),
                ("omega_ratio", nullableNumber), ("tail_ratio", nullableNumber), ("downside_risk", nullableNumber),
                ("stability", nullableNumber), ("skewness", nullableNumber), ("excess_kurtosis", nullableNumber),
            ])),
        ]
    }

    private static var tradingSchemas: [(String, JSONValue)] {
        let state: JSONValue = ["type": "string", "enum": ["ACTIVE", "REDUCING", "HALTED"]]
        return [
            ("Portfolio", object([
                ("account", string), ("as_of", nullableDateTime), ("bars_processed", integer), ("state", state), ("equity", decimal),
                ("cash", decimal), ("capital", decimal), ("pnl", decimal), ("return_pct", number), ("realised_pnl", decimal),
                ("unrealised_pnl", decimal), ("fees", decimal), ("gross_exposure", decimal), ("exposure_pct", number), ("positions", integer),
                ("pending_orders", integer), ("decisions", integer),
                ("configuration", ["type": "string", "description": "What the account trades: symbols, bar length, cash, costs."]),
                ("updated_at", dateTime),
            ])),
            ("PositionList", object([("account", string), ("as_of", nullableDateTime), ("positions", ["type": "array", "items": object([
                ("symbol", string), ("quantity", decimal), ("average_cost", decimal), ("cost_basis", decimal), ("last_price", decimal),
                ("market_value", decimal), ("unrealised_pnl", decimal), ("weight_pct", number),
            ])])])),
            ("OrderList", object([("account", string), ("orders", ["type": "array", "items": object([
                ("client_order_id", string), ("symbol", string), ("side", ["type": "string", "enum": ["buy", "sell"]]),
                ("type", ["type": "string", "enum": ["market", "limit", "stop"]]), ("quantity", decimal),
                ("status", ["type": "string", "enum": .array(["new", "accepted", "partially_filled", "filled", "cancelled", "rejected", "expired"].map(JSONValue.string))]),
                ("filled_quantity", decimal), ("average_fill_price", ["type": ["string", "null"]]), ("created_at", dateTime), ("updated_at", dateTime),
            ])])])),
            ("TradeList", object([("account", string), ("trades", ["type": "array", "items": object([
                ("fill_id", string), ("client_order_id", string), ("symbol", string), ("side", ["type": "string", "enum": ["buy", "sell"]]),
                ("quantity", decimal), ("price", decimal), ("fee", decimal), ("time", dateTime),
            ])])])),
            ("EquityHistory", object([("account", string), ("points", ["type": "array", "items": object([
                ("time", dateTime), ("bar_index", integer), ("equity", decimal), ("cash", decimal), ("gross_exposure", decimal), ("state", state),
            ])])])),
            ("AccountMetrics", object([("account", string), ("periods_per_year", number), ("marks", integer), ("metrics", ref("Metrics"))])),
            ("TradingCommandRequest", closedObject([
                ("account", ["type": "string", "description": "Default paper."]),
                ("flatten", ["type": "boolean", "description": "Halt only: close every position at the next bar (default false)."]),
                ("reason", ["type": "string", "maxLength": 500]),
            ], description: "Optional; an empty body means the paper account.")),
            ("TradingResumeRequest", closedObject([
                ("account", ["type": "string", "description": "Default paper."]),
                ("reason", ["type": "string", "maxLength": 500]),
            ], description: "Optional; an empty body means the paper account.")),
            ("TradingCommand", object([
                ("command_id", integer), ("account", string), ("command", ["type": "string", "enum": ["halt", "resume"]]), ("flatten", ["type": "boolean"]),
                ("reason", string), ("status", ["type": "string", "enum": ["pending"]]), ("detail", string),
            ])),
        ]
    }

    private static var securitySchemas: [(String, JSONValue)] {
        let level: JSONValue = ["type": "string", "enum": .array(["INFO", "WARNING", "ERROR", "CRITICAL", "SECURITY"].map(JSONValue.string))]
        let alert = object([
            ("id", ["type": "integer", "format": "int64"]), ("fingerprint", string), ("level", level),
            ("source", ["type": "string", "enum": ["health", "posture", "vulnerability", "scan", "forecast", "feedback"]]), ("title", string), ("message", string),
            ("first_seen", dateTime), ("last_seen", dateTime), ("count", integer), ("acknowledged_at", nullableDateTime),
            ("acknowledged_by", nullableString), ("resolved_at", nullableDateTime),
        ])
        return [
            ("SecurityAlert", alert),
            ("SecurityAlertList", object([("alerts", ["type": "array", "items": ref("SecurityAlert")])])),
            ("SupervisorHealth", object([
                ("time", dateTime), ("status", ["type": "string", "enum": ["OK", "DEGRADED", "FAILED"]]), ("elapsed_ms", number),
                ("checks", ["type": "array", "items": object([
                    ("name", string), ("status", ["type": "string", "enum": ["OK", "DEGRADED", "FAILED"]]), ("value", ["type": ["number", "null"]]),
                    ("threshold", string), ("message", string), ("elapsed_ms", number),
                ])]),
            ])),
            ("SecuritySweep", object([
                ("time", dateTime), ("score", ["type": "integer", "minimum": 0, "maximum": 100]),
                ("deductions", ["type": "array", "items": object([("reason", string), ("points", integer)])]),
                ("scan", object([("packages_scanned", integer), ("database_records", integer), ("database_problems", ["type": "array", "items": string]),
                                 ("findings", ["type": "object", "additionalProperties": ["type": "integer"]])])),
                ("open_alerts", ["type": "object", "additionalProperties": ["type": "integer"], "description": "Open alerts by level."]),
            ])),
        ]
    }

    private static var feedbackSchemas: [(String, JSONValue)] {
        let nullableNumber: JSONValue = ["type": ["number", "null"]]
        let signature = object([("regime", string), ("volatility", string), ("trend", string)])
        return [
            ("LearningSignal", object([
                ("kind", ["type": "string", "enum": ["SUCCESS", "FAILURE", "OPTIMIZATION", "ADAPTATION"]]), ("subject", string), ("rule", string),
                ("message", string), ("evidence", ["type": "object", "additionalProperties": ["type": "number"]]), ("time", dateTime),
            ])),
            ("ForecastOutcome", object([
                ("forecast_id", ["type": "integer", "format": "int64"]), ("symbol", string), ("horizon", string), ("model", string),
                ("data_time", dateTime), ("target_time", dateTime), ("realised_close", decimal), ("realised_time", dateTime),
                ("realised_log_return", number), ("direction_hit", ["type": "boolean"]), ("interval_hit", ["type": "boolean"]), ("brier", number),
                ("log_loss", number), ("squared_error", number), ("log_score", number), ("verdict", ["type": "string", "enum": ["SUCCESS", "FAILURE"]]),
                ("rule", string), ("signature", signature), ("source", ["type": "string", "enum": ["market", "external"]]), ("scored_at", dateTime),
            ])),
            ("ThresholdChange", object([
                ("horizon", string), ("changed", ["type": "boolean"]), ("threshold_before", number), ("threshold_after", number),
                ("objective_before", nullableNumber), ("objective_after", nullableNumber), ("decisions_before", integer), ("decisions_after", integer),
                ("outcomes", integer),
            ])),
            ("FeedbackStatus", object([
                ("learning_cycles", integer), ("last_cycle_at", nullableString),
                ("outcomes", object([("success", integer), ("failure", integer)])),
                ("decisions", object([("success", integer), ("failure", integer), ("net_pnl", decimal)])),
                ("thresholds", ["type": "array", "items": object([("horizon", string), ("threshold", number), ("objective", nullableNumber),
                                                                  ("decisions", integer), ("updated_at", dateTime)])]),
                ("models", ["type": "array", "items": object([("name", string), ("role", ["type": "string", "enum": ["CHAMPION", "CHALLENGER", "RETIRED"]]),
                                                              ("parameters", string), ("created_at", dateTime), ("promoted_at", nullableDateTime)])]),
                ("drift_detectors", ["type": "array", "items": object([("stream", string), ("observations", ["type": ["integer", "null"]])])]),
                ("adaptation_score", object([("threshold_gain_per_decision", nullableNumber), ("threshold_changes_measured", integer),
                                             ("model_gain_nats", nullableNumber), ("promotions", integer)])),
                ("last_signals", ["type": "array", "items": ref("LearningSignal")]),
            ])),
            ("FeedbackPerformance", object([
                ("outcomes_considered", integer), ("window", integer),
                ("strategies", ["type": "array", "items": object([("account", string), ("decisions", integer), ("hit_rate", number), ("net_pnl", decimal),
                                                                  ("fees", decimal), ("mean_return_bps", number)])]),
                ("groups", ["type": "array", "items": object([
                    ("model", string), ("horizon", string), ("symbol", string), ("regime", string), ("count", integer), ("total_count", integer),
                    ("accuracy", number), ("interval_coverage", number), ("brier", number), ("log_loss", number), ("mean_squared_error", number),
                    ("log_score", number),
                    ("calibration", ["type": "array", "items": object([("lower", number), ("count", integer), ("mean_probability", number),
                                                                       ("observed_frequency", number)])]),
                ])]),
                ("signatures", ["type": "array", "items": object([("signature", signature), ("count", integer), ("success_rate", number)])]),
            ])),
        ]
    }

    private static var jobSchemas: [(String, JSONValue)] {
        [
            ("BacktestRequest", closedObject([
                ("symbol", symbolSchema), ("timeframe", timeframeSchema),
                ("fast", ["type": "integer", "minimum": 1, "default": 10]), ("slow", ["type": "integer", "maximum": 10000, "default": 30]),
                ("cash", decimal), ("commission", decimal),
            ], required: ["symbol"], description: "An sma-cross backtest of a stored symbol (slow must be above fast).")),
            ("JobAccepted", object([("job_id", ["type": "integer", "format": "int64"]), ("status", string), ("location", string)])),
            ("BacktestJob", object([
                ("job_id", ["type": "integer", "format": "int64"]),
                ("status", ["type": "string", "enum": .array(JobRecord.Status.allCases.map { .string($0.rawValue) })]),
                ("attempts", integer), ("created_at", dateTime), ("finished_at", nullableDateTime), ("last_error", nullableString),
                ("result", ["type": ["object", "null"], "description": "final_equity, return_pct, trades, max_drawdown_pct, sharpe_ratio, win_rate_pct, exposure_pct…"]),
            ])),
        ]
    }

    private static var schemas: [(String, JSONValue)] {
        let apiKeyProperties: [(String, JSONValue)] = [
            ("id", ["type": "integer", "format": "int64"]),
            ("name", string),
            ("role", ["type": "string", "enum": .array(APIKeyRole.allCases.map { .string($0.rawValue) })]),
            ("prefix", ["type": "string", "description": "The first characters of the key, to recognise it."]),
            ("created_at", dateTime),
            ("revoked_at", nullableDateTime),
            ("active", ["type": "boolean"]),
        ]
        return [
            ("Problem", object([
                ("type", ["type": "string", "description": "Stable URI of the problem kind; see the list on /docs."]),
                ("title", string),
                ("status", integer),
                ("detail", string),
                ("instance", ["type": "string", "description": "The request path."]),
                ("request_id", ["type": "string", "description": "Also in the X-Request-Id header and the server log."]),
                ("errors", ["type": "array", "items": object([("name", string), ("reason", string)])]),
            ], required: ["type", "title", "status", "detail"], description: "An RFC 9457 problem.")),
            ("Liveness", object([("status", ["type": "string", "enum": ["ok"]])])),
            ("Readiness", object([
                ("status", ["type": "string", "enum": ["ready"]]),
                ("checks", ["type": "object", "additionalProperties": ["type": "object"]]),
            ])),
            ("SystemStatus", object([
                ("service", string), ("version", string), ("started_at", dateTime), ("uptime_seconds", integer), ("time", dateTime),
                ("database", object([("backend", ["type": "string", "enum": ["sqlite", "postgresql"]]), ("schema_version", integer),
                                     ("latest_schema_version", integer)])),
                ("market_data", object([("instruments", integer), ("series", integer), ("bars", integer), ("as_of", dateTime)])),
                ("feed", ["oneOf": [ref("FeedStatus"), ["type": "null"]]]),
            ])),
            ("FeedStatus", object([
                ("name", string), ("connected", ["type": "boolean"]), ("connections", integer), ("reconnects", integer), ("gaps_healed", integer),
                ("bars_healed", integer), ("bars_received", integer), ("malformed_frames", integer), ("duplicate_frames", integer),
                ("newest_bar_close", nullableDateTime), ("lag_seconds", ["type": ["number", "null"]]), ("last_error", nullableString),
            ])),
            ("VenueStatus", object([
                ("feed", ["oneOf": [ref("FeedStatus"), ["type": "null"]]]), ("venue", string),
                ("rate_limits", ["type": "array", "items": object([("type", string), ("window_ms", integer), ("limit", integer), ("used", integer)])]),
                ("banned_until", nullableDateTime),
                ("rate_budget_waits", object([("count", integer), ("waited_ms", integer)])),
                ("orders", ["oneOf": [ref("VenueOrders"), ["type": "null"]], "description": "Null when orders are simulated (--venue paper)."]),
                ("account_stream", ["oneOf": [object([
                    ("subscribed", ["type": "boolean"]), ("subscriptions", integer), ("reconnects", integer), ("events_received", integer),
                    ("malformed_frames", integer), ("last_error", nullableString),
                ]), ["type": "null"]], "description": "The account's event stream over the WebSocket API; null when none runs."]),
                ("time", dateTime),
            ])),
            ("VenueOrders", object([
                ("in_flight", integer), ("sent", integer), ("refused", integer), ("unknown_outcomes", integer), ("fills_booked", integer),
                ("reports_ignored", integer),
                ("decision_latency_ms", ["oneOf": [object([
                    ("samples", integer), ("step_p50", number), ("step_p99", number), ("stored_p50", number), ("stored_p99", number),
                    ("sending_p50", number), ("sending_p99", number),
                ]), ["type": "null"]], "description": "Of the last live bars that ordered: from the bar reaching the loop to the step computed, stored, and its orders handed to the venue."]),
                ("last_reconciliation", ["oneOf": [object([
                    ("time", dateTime), ("orders_in_flight", integer), ("orders_found", integer), ("orders_never_placed", integer),
                    ("fills_booked", integer), ("clean", ["type": "boolean"]), ("problems", ["type": "array", "items": string]),
                ]), ["type": "null"]]]),
            ])),
            ("BarSeries", object([
                ("timeframe", ["type": "string", "enum": .array(Timeframe.codes.map(JSONValue.string))]),
                ("kind", ["type": "string", "enum": .array(BarSeriesKind.allCases.map { .string($0.rawValue) })]),
                ("bar_count", integer), ("first_open_time", nullableDateTime), ("last_open_time", nullableDateTime),
            ])),
            ("Instrument", object([
                ("symbol", string),
                ("asset_class", ["type": "string", "enum": .array(AssetClass.allCases.map { .string($0.rawValue) })]),
                ("quote_currency", nullableString),
                ("series", ["type": "array", "items": ref("BarSeries")]),
            ])),
            ("InstrumentList", object([("instruments", ["type": "array", "items": ref("Instrument")])])),
            ("Bar", object([
                ("open_time", dateTime), ("open", decimal), ("high", decimal), ("low", decimal), ("close", decimal),
                ("volume", ["type": ["string", "null"], "description": "Exact decimal, null for close-only series."]),
            ], description: "One bar; open_time is the start of the bar.")),
            ("BarPage", object([
                ("symbol", string), ("timeframe", string),
                ("bars", ["type": "array", "items": ref("Bar")]),
                ("next_start", nullableDateTime),
            ])),
            ("APIKey", object(apiKeyProperties)),
            ("APIKeyList", object([("api_keys", ["type": "array", "items": ref("APIKey")])])),
            ("APIKeyCreate", object([
                ("name", ["type": "string", "minLength": 1, "maxLength": .int(APIKeyIssuer.maximumNameLength), "pattern": "\\S",
                          "description": "A label; leading and trailing spaces are removed, and it must not be blank."]),
                ("role", ["type": "string", "enum": .array(APIKeyRole.allCases.map { .string($0.rawValue) })]),
            ])),
            ("APIKeyCreated", object(apiKeyProperties + [("key", ["type": "string", "description": "The secret key. Shown only now."])])),
        ] + portfolioSchemas + predictionSchemas + tradingSchemas + securitySchemas + jobSchemas + feedbackSchemas
    }

    private static var predictionSchemas: [(String, JSONValue)] {
        let regime = object([("label", string), ("probability", number), ("since", dateTime)],
                            required: ["label", "probability", "since"], description: "A classification, its probability and the close time of the bar it began.")
        return [
            ("Forecasts", object([
                ("symbol", string), ("decision_time", dateTime), ("data_time", dateTime), ("gaps", integer),
                ("model_version", string), ("newly_stored", integer),
                ("forecasts", ["type": "array", "items": object([
                    ("horizon", string), ("expected_log_return", number), ("probability_up", number), ("volatility", number),
                    ("interval_80", ["type": "array", "items": number, "minItems": 2, "maxItems": 2]),
                    ("models", object([("return", string), ("direction", string), ("volatility", string)])),
                    ("baselines", object([("zero_return", number), ("mean_log_return", number), ("probability_up", number), ("ewma_volatility", number)])),
                    ("data_time", dateTime),
                ])]),
            ])),
            ("Regimes", object([
                ("symbol", string), ("decision_time", dateTime), ("data_time", dateTime),
                ("hmm", object([("loglikelihood", number), ("current_state", integer), ("since", dateTime),
                                ("states", ["type": "array", "items": object([("mean", number), ("std", number), ("probability_now", number)])])])),
                ("trend", regime), ("volatility_regime", regime), ("trend_or_range", regime), ("variance_ratio_10", number),
                ("recommendation", object([("strategy", string), ("regime", string), ("reason", string)])),
            ], required: ["symbol", "hmm", "trend", "volatility_regime", "trend_or_range"])),
            ("Analysis", object([
                ("symbol", string), ("timeframe", string), ("bars", integer), ("start", dateTime), ("end", dateTime),
                ("volatility", object([("per_bar", number), ("annual", number)])),
                ("trend", object([("slope_per_bar", number), ("t_statistic", number), ("r_squared", number)])),
                ("volume_profile", ["type": "array", "items": object([("low", number), ("high", number), ("volume", number)])]),
                ("correlation", object([("symbols", ["type": "array", "items": string]), ("observations", integer),
                                        ("matrix", ["type": "array", "items": ["type": "array", "items": nullableNumber]])])),
            ])),
            ("Alerts", object([("alerts", ["type": "array", "items": object([
                ("source", string), ("kind", ["type": "string", "enum": ["volatility_spike", "regime_change", "interval_breach"]]),
                ("severity", ["type": "string", "enum": ["INFO", "WARNING", "CRITICAL"]]), ("symbol", string), ("time", dateTime),
                ("message", string), ("values", ["type": "object", "additionalProperties": number]),
            ])])])),
        ]
    }
}
