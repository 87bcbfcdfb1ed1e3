import Foundation
@testable import HTTPServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SecuritySupervisor
import Testing
import TradingCore
import TradingEngine

@Suite("Dashboard: sign-in, pages, tables and controls")
struct DashboardTests {
    /// A browser's cookie jar, enough for these tests.
    final class Browser: @unchecked Sendable {
        var cookies: [String: String] = [:]
        let client: any TestClientProtocol

        init(_ client: any TestClientProtocol) { self.client = client }

        var headers: HTTPFields {
            var fields = HTTPFields()
            if !cookies.isEmpty { fields[.cookie] = cookies.map { "\($0)=\($1)" }.sorted().joined(separator: "; ") }
            return fields
        }

        /// Sends a request with the jar's cookies and keeps the ones the response sets.
        func send(_ uri: String, method: HTTPRequest.Method = .get, form: [String: String]? = nil) async throws -> (status: Int, location: String?, text: String) {
            var fields = headers
            var body: ByteBuffer?
            if let form {
                fields[.contentType] = "application/x-www-form-urlencoded"
                body = ByteBuffer(string: form.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&"))
            }
            return try await client.execute(uri: uri, method: method, headers: fields, body: body) { response in
                for cookie in response.headers[values: .setCookie] {
                    let pair = cookie.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
                    if cookie.contains("Max-Age=0") { self.cookies[name] = nil } else { self.cookies[name] = value }
                }
                return (Int(response.status.code), response.headers[.location], String(buffer: response.body))
            }
        }

        /// The value of the hidden input `name` in `html`.
        static func hidden(_ name: String, in html: String) -> String? {
            guard let range = html.range(of: "name=\"\(name)\" value=\"") else { return nil }
            return String(html[range.upperBound...].prefix { $0 != "\"" })
        }

        /// Signs in with `key` through the form, as a person would.
        func signIn(_ key: String, next: String = "/ui") async throws -> (status: Int, location: String?, text: String) {
            let form = try await send("/ui/sign-in?next=\(next)")
            return try await send("/ui/sign-in", method: .post, form: ["form_token": Self.hidden("form_token", in: form.text) ?? "", "next": next, "key": key])
        }
    }

    @Test("a page without a session goes to sign-in keeping its address; a good key opens a session, a bad one returns to the form")
    func signIn() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let browser = Browser(client)
            #expect(try await browser.send("/").location == "/ui")
            let away = try await browser.send("/ui/orders?sort=symbol")
            #expect(away.status == 303 && away.location == "/ui/sign-in?next=/ui/orders%3Fsort%3Dsymbol")
            let refused = try await browser.signIn(String(repeating: "x", count: 40))
            #expect(refused.status == 303 && refused.location?.hasSuffix("failed=key") == true && browser.cookies["orchestrator_session"] == nil)
            #expect(try await browser.send(refused.location!).text.contains("unknown or revoked"))
            let opened = try await browser.signIn(fixture.keys[.viewer]!, next: "/ui/orders")
            #expect(opened.status == 303 && opened.location == "/ui/orders" && browser.cookies["orchestrator_session"] != nil)
            let overview = try await browser.send("/ui")
            #expect(overview.status == 200 && overview.text.contains("<h1>Overview</h1>") && overview.text.contains("viewer key · viewer"))
            // The key is never in the page.
            #expect(!overview.text.contains(fixture.keys[.viewer]!))
            // A form from elsewhere (no or another anti-forgery token) is refused.
            let forged = try await browser.send("/ui/sign-out", method: .post, form: ["form_token": "forged"])
            #expect(forged.status == 403)
            let out = try await browser.send("/ui/sign-out", method: .post, form: ["form_token": Browser.hidden("form_token", in: overview.text) ?? ""])
            #expect(out.status == 303 && out.location == "/ui/sign-in" && browser.cookies["orchestrator_session"] == nil)
            #expect(try await browser.send("/ui").status == 303)
        }
    }

    @Test("the return address after sign-in never leaves /ui", arguments: [
        ("/ui/trades", "/ui/trades"), ("/ui?account=x", "/ui?account=x"), ("//evil.example/ui", "/ui"), ("https://evil.example", "/ui"),
        ("/uix", "/ui"), ("/ui/\\evil.example", "/ui"), ("/ui//evil.example", "/ui"),
    ])
    func returnAddress(given: String, expected: String) async throws {
        #expect(DashboardRoutes.safeNext(given) == expected)
    }

    @Test("a sign-in form posted without the form's own anti-forgery cookie, or with another token, is refused")
    func signInForgery() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let browser = Browser(client)
            let key = fixture.keys[.viewer]!
            #expect(try await browser.send("/ui/sign-in", method: .post, form: ["form_token": "guess", "next": "/ui", "key": key]).status == 403)
            _ = try await browser.send("/ui/sign-in")
            #expect(try await browser.send("/ui/sign-in", method: .post, form: ["form_token": "guess", "next": "/ui", "key": key]).status == 403)
            #expect(browser.cookies["orchestrator_session"] == nil)
        }
    }

    @Test("text from the store is escaped on the pages: an alert title with markup is shown, not run")
    func escaping() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let health = #"{"time":"1970-01-01T00:00:00Z","status":"OK","elapsed_ms":1,"checks":[]}"#
            let security = #"{"time":"1970-01-01T00:00:00Z","score":99,"deductions":[],"open_alerts":{},"scan":{"packages_scanned":0,"database_records":0,"database_problems":[],"findings":{}}}"#
            try await fixture.store.recordSweep(StoredSweep(time: Timestamp(millisecondsSinceEpoch: 0), score: 99, health: health, security: security))
            _ = try await fixture.store.reconcileAlerts(
                [AlertObservation(fingerprint: "check:x", level: .warning, source: .health, title: "<script>alert(1)</script>", message: "\"><img src=x>")],
                sources: [.health], at: Timestamp(millisecondsSinceEpoch: 1000))
            let browser = Browser(client)
            _ = try await browser.signIn(fixture.keys[.viewer]!)
            let page = try await browser.send("/ui/supervisor")
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.text.contains("<script>alert(1)"))
            #expect(page.text.contains("&quot;&gt;&lt;img src=x&gt;") && !page.text.contains("<img src=x>"))
        }
    }

    @Test("a CSV field with a line break, a comma or a quote is quoted; one a spreadsheet would run is defused; numbers are left alone")
    func csvFields() {
        let table = RecordTable(columns: [.init("a", "A"), .init("b", "B", numeric: true)],
                                records: [["a": "two\r\nlines", "b": "-5"], ["a": "=HYPERLINK(\"x\")", "b": "1,5"]])
        #expect(table.csv == "a,b\r\n\"two\r\nlines\",-5\r\n\"'=HYPERLINK(\"\"x\"\")\",\"1,5\"\r\n")
    }

    @Test("a long curve keeps every stretch's extremes when it is thinned")
    func thinning() {
        var values = (0..<10_000).map { Double($0 % 7) }
        values[4_321] = -100
        values[8_765] = 250
        let kept = SVGChart.thinned(values)
        #expect(kept.count <= SVGChart.maximumPoints + 2 && kept.first == 0 && kept.last == 9_999 && kept.contains(4_321) && kept.contains(8_765) && kept == kept.sorted())
    }

    @Test("a forged, expired or revoked session is no session")
    func sessionsEnd() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let browser = Browser(client)
            _ = try await browser.signIn(fixture.keys[.trader]!)
            let token = try #require(browser.cookies["orchestrator_session"])
            browser.cookies["orchestrator_session"] = token.replacingOccurrences(of: ".trader.", with: ".admin.")
            #expect(try await browser.send("/ui").status == 303, "a token whose role was changed fails its signature")
            let traderID = try #require(try await fixture.store.apiKeys().first { $0.role == .trader }?.id)
            let expired = fixture.dependencies.settings.sessions.issue(keyID: traderID, role: .trader,
                                                                       expires: DashboardSession.wallClock().adding(milliseconds: -1000))
            browser.cookies["orchestrator_session"] = expired
            #expect(try await browser.send("/ui").status == 303)
            browser.cookies["orchestrator_session"] = token
            #expect(try await browser.send("/ui").status == 200)
            let keys = try await fixture.store.apiKeys()
            let trader = try #require(keys.first { $0.role == .trader })
            _ = try await fixture.store.revokeAPIKey(id: trader.id, at: fixture.dependencies.clock.now())
            fixture.dependencies.authenticator.invalidateAll()
            #expect(try await browser.send("/ui").status == 303, "revoking the key ends its sessions")
        }
    }

    @Test("positions, orders and trades: sorted, paged, as CSV; a bad sort column is a 400")
    func tables() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await TradingAPITests.runner(fixture.store).run(maximumSteps: 30)
            let browser = Browser(client)
            _ = try await browser.signIn(fixture.keys[.viewer]!)
            let orders = try await browser.send("/ui/orders?sort=quantity&order=desc")
            #expect(orders.status == 200 && orders.text.contains("<td>UP</td>") && orders.text.contains("Download as CSV"))
            let trades = try await browser.send("/ui/trades")
            #expect(trades.status == 200 && !trades.text.contains("nothing yet"))
            let performance = try await browser.send("/ui/performance")
            #expect(performance.status == 200 && performance.text.contains("<polyline") && performance.text.contains("Monthly returns")
                    && performance.text.contains("Sharpe ratio"))
            let positions = try await browser.send("/ui/positions?sort=market_value")
            #expect(positions.status == 200 && positions.text.contains("Weight %"))
            let csv = try await browser.send("/ui/trades.csv")
            let lines = csv.text.split(separator: "\r\n")
            #expect(csv.status == 200 && lines.first == "time,symbol,side,quantity,price,fee,client_order_id" && lines.count > 1)
            #expect(try await browser.send("/ui/orders.csv").text.hasPrefix("created_at,client_order_id,symbol,side,type,quantity,status"))
            #expect(try await browser.send("/ui/positions.csv").text.hasPrefix("symbol,quantity,average_cost"))
            #expect(try await browser.send("/ui/orders?sort=nope").status == 400)
            #expect(try await browser.send("/ui/orders?page=999").status == 400)
        }
    }

    @Test("the performance page sets the account against buy-and-hold of its symbols, and its P&L by symbol adds up to the account's")
    func performanceAgainstBuyAndHold() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await TradingAPITests.runner(fixture.store).run(maximumSteps: 30)
            // The runner's bars, stored as a user's would be.
            let origin = Timestamp(iso8601: "2024-03-01T00:00:00Z")!
            for (name, step) in [("UP", 2), ("DOWN", -1)] {
                let bars = try (0..<40).map { day in
                    let close = Price(FixedDecimal(200 + step * day))
                    return try Bar(openTime: origin.adding(milliseconds: Int64(day) * 86_400_000), open: close, high: close, low: close, close: close, volume: nil)
                }
                _ = try await fixture.store.importBars(BarImportBatch(instrument: Instrument(symbol: Symbol(name)!, assetClass: .equity, quoteCurrency: "USD"),
                                                                      timeframe: .oneDay, kind: .ohlcv, bars: bars, source: "test"))
            }
            let browser = Browser(client)
            _ = try await browser.signIn(fixture.keys[.viewer]!)
            let page = try await browser.send("/ui/performance")
            #expect(page.status == 200 && page.text.contains("Buy and hold: DOWN, UP in equal parts") && page.text.contains("P&amp;L by symbol"))
            #expect(page.text.components(separatedBy: "<polyline").count == 4, "account, buy and hold, drawdown")
            let (_, checkpoint) = try await TradingRoutes.state("paper", store: fixture.store)
            let profits = try await PerformancePage.profits(account: "paper", checkpoint: checkpoint, store: fixture.store)
            let equity = try Ledger(snapshot: checkpoint.ledger).equity(prices: checkpoint.marks)
            #expect(Set(profits.map(\.symbol.rawValue)) == ["UP", "DOWN"] && profits.allSatisfy { $0.fills > 0 })
            #expect(profits.reduce(FixedDecimal.zero) { $0 + $1.total } == equity - FixedDecimal(10_000))
            // Buy and hold at the first mark: (UP + DOWN) / 2 of each close over the first mark's.
            let points = try await fixture.store.equityHistory(account: "paper", limit: 100)
            let benchmark = try #require(try await PerformancePage.buyAndHold(symbols: [Symbol("DOWN")!, Symbol("UP")!], points: points, store: fixture.store))
            let day = { (point: EquityPoint) in Double((point.time.millisecondsSinceEpoch - origin.millisecondsSinceEpoch) / 86_400_000 - 1) }
            let first = day(points[0]), last = day(points[points.count - 1])
            let expected = 10_000 * ((200 + 2 * last) / (200 + 2 * first) + (200 - last) / (200 - first)) / 2
            #expect(abs(benchmark[benchmark.count - 1] - expected) < 1e-9, "\(benchmark.last ?? 0) against \(expected)")
        }
    }

    @Test("a viewer sees no control; a trader's halt is sent once however often its button is pressed, and the overview says so")
    func controls() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await TradingAPITests.runner(fixture.store).run(maximumSteps: 12)
            let viewer = Browser(client)
            _ = try await viewer.signIn(fixture.keys[.viewer]!)
            let seen = try await viewer.send("/ui")
            #expect(seen.status == 200 && seen.text.contains("state-ACTIVE") && !seen.text.contains("Halt…"))
            #expect(try await viewer.send("/ui/controls/halt").status == 403)
            let trader = Browser(client)
            _ = try await trader.signIn(fixture.keys[.trader]!)
            #expect(try await trader.send("/ui").text.contains("/ui/controls/flatten"))
            let confirmation = try await trader.send("/ui/controls/flatten")
            #expect(confirmation.status == 200 && confirmation.text.contains("every position is closed"))
            let form = ["form_token": Browser.hidden("form_token", in: confirmation.text) ?? "",
                        "idempotency_key": Browser.hidden("idempotency_key", in: confirmation.text) ?? "", "account": "paper", "reason": "drill"]
            let first = try await trader.send("/ui/controls/flatten", method: .post, form: form)
            let second = try await trader.send("/ui/controls/flatten", method: .post, form: form)
            #expect(first.location == "/ui?notice=queued" && second.location == "/ui?notice=repeated")
            let pending = try await fixture.store.pendingTradingCommands(account: "paper")
            #expect(pending.count == 1 && pending.first?.kind == .halt && pending.first?.flatten == true && pending.first?.reason.contains("drill") == true)
            #expect(try await trader.send(second.location!).text.contains("nothing new was queued"))
            var forged = form
            forged["form_token"] = "x"
            #expect(try await trader.send("/ui/controls/flatten", method: .post, form: forged).status == 403)
            #expect(try await trader.send("/ui/controls/sell-everything").status == 404)
            // The engine applies it at its next bar: halted and flat.
            try await TradingAPITests.runner(fixture.store).run(maximumSteps: 2)
            let halted = try await trader.send("/ui")
            #expect(halted.text.contains("state-HALTED") && halted.text.contains("/ui/controls/resume"))
        }
    }

    @Test("the style sheet is served from the binary; every page forbids scripts and frames from elsewhere")
    func styleAndHeaders() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await client.execute(uri: "/ui/static/dashboard.css", method: .get) { (response: TestResponse) async throws in
                #expect(response.status == .ok && response.headers[.contentType] == "text/css; charset=utf-8" && response.body.readableBytes > 1000)
            }
            try await client.execute(uri: "/ui/static/favicon.svg", method: .get) { (response: TestResponse) async throws in
                #expect(response.status == .ok && response.headers[.contentType] == "image/svg+xml" && String(buffer: response.body).hasPrefix("<svg"))
            }
            try await client.execute(uri: "/ui/sign-in", method: .get) { (response: TestResponse) async throws in
                #expect(response.headers[HTTPField.Name("Content-Security-Policy")!]?.hasPrefix("default-src 'self'") == true)
                #expect(response.headers[.setCookie]?.contains("HttpOnly; SameSite=Strict") == true)
            }
        }
    }

    @Test("the supervisor's page shows the checks, the score's deductions and the alerts; a trader acknowledges from it, a viewer cannot")
    func supervisorPage() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let health = #"{"time":"1970-01-01T00:00:00Z","status":"DEGRADED","elapsed_ms":1.5,"checks":[{"name":"memory","status":"DEGRADED","value":91.5,"threshold":"warn ≥ 90 %","message":"high","elapsed_ms":0.2}]}"#
            let security = #"{"time":"1970-01-01T00:00:00Z","score":88,"deductions":[{"reason":"memory DEGRADED","points":2}],"open_alerts":{},"scan":{"packages_scanned":0,"database_records":0,"database_problems":[],"findings":{}}}"#
            try await fixture.store.recordSweep(StoredSweep(time: Timestamp(millisecondsSinceEpoch: 0), score: 88, health: health, security: security))
            let changes = try await fixture.store.reconcileAlerts(
                [AlertObservation(fingerprint: "check:memory", level: .warning, source: .health, title: "memory DEGRADED", message: "91.5 %")],
                sources: [.health], at: Timestamp(millisecondsSinceEpoch: 1000))
            let id = try #require(changes.raised.first?.id)
            let viewer = Browser(client)
            _ = try await viewer.signIn(fixture.keys[.viewer]!)
            let seen = try await viewer.send("/ui/supervisor")
            #expect(seen.status == 200 && seen.text.contains("Score 88 / 100") && seen.text.contains("warn ≥ 90 %") && seen.text.contains("memory DEGRADED"))
            #expect(!seen.text.contains("Acknowledge</button>"))
            let trader = Browser(client)
            _ = try await trader.signIn(fixture.keys[.trader]!)
            let page = try await trader.send("/ui/supervisor")
            #expect(page.text.contains("action=\"/ui/alerts/\(id)/ack\""))
            let token = Browser.hidden("form_token", in: page.text) ?? ""
            #expect(try await viewer.send("/ui/alerts/\(id)/ack", method: .post, form: ["form_token": token]).status == 403)
            let acknowledged = try await trader.send("/ui/alerts/\(id)/ack", method: .post, form: ["form_token": token])
            #expect(acknowledged.location == "/ui/supervisor?notice=acknowledged")
            let after = try await trader.send(acknowledged.location!)
            #expect(after.text.contains("Acknowledged:") && after.text.contains("on the dashboard") && !after.text.contains("Acknowledge</button>"))
            #expect(try await trader.send("/ui/alerts/9999/ack", method: .post, form: ["form_token": token]).status == 404)
        }
    }

    @Test("the events page lists an operator's halt with who sent it, newest first")
    func eventsPage() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await TradingAPITests.runner(fixture.store).run(maximumSteps: 5)
            _ = try await fixture.store.requestTradingCommand(TradingCommand(id: nil, account: "paper", kind: .halt, flatten: false, reason: "drill (desk)",
                                                                             requestedAt: Timestamp(millisecondsSinceEpoch: 0), appliedAt: nil))
            try await TradingAPITests.runner(fixture.store).run(maximumSteps: 1)
            let browser = Browser(client)
            _ = try await browser.signIn(fixture.keys[.viewer]!)
            let page = try await browser.send("/ui/events-log")
            #expect(page.status == 200 && page.text.contains("manual_halt") && page.text.contains("drill (desk)"))
        }
    }

    @Test("the market page draws candles, volume, the account's fills and the newest forecasts; a bad field is shown next to it")
    func marketPage() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let browser = Browser(client)
            _ = try await browser.signIn(fixture.keys[.viewer]!)
            // The fixture's 30 hourly BTC-USD bars, and a stored forecast of them.
            let dataTime = Timestamp(iso8601: "2024-01-02T06:00:00Z")!
            _ = try await fixture.store.recordForecasts([ForecastRecord(
                id: nil, symbol: Symbol("BTC-USD")!, timeframe: .oneHour, horizon: "4h", horizonMilliseconds: 14_400_000, decisionTime: dataTime,
                dataTime: dataTime, targetTime: dataTime.adding(milliseconds: 14_400_000), referenceClose: "100", expectedLogReturn: 0.001,
                probabilityUp: 0.6, volatility: 0.01, intervalLow: -0.02, intervalHigh: 0.03, returnModel: "ridge", directionModel: "logistic",
                volatilityModel: "garch", modelVersion: "forecaster-1", createdAt: dataTime)])
            let page = try await browser.send("/ui/market?symbol=BTC-USD&timeframe=1h&bars=30")
            #expect(page.status == 200 && page.text.contains("data-source=\"/ui/market.json?symbol=BTC-USD&amp;timeframe=1h&amp;bars=30&amp;account=paper\""))
            let data = try await browser.send("/ui/market.json?symbol=BTC-USD&timeframe=1h&bars=30")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(data.text.utf8)) as? [String: Any])
            let bars = try #require(json["bars"] as? [[Any]])
            let forecasts = try #require(json["forecasts"] as? [[String: Any]])
            #expect(bars.count == 30 && bars.first?.count == 6 && bars.first?[4] as? Double == 100)
            #expect(forecasts.first?["horizon"] as? String == "4h" && abs((forecasts.first?["high"] as? Double ?? 0) - 100 * exp(0.03)) < 1e-9)
            // 30 bars of constant closes: no regime (classify needs 300 bars that move).
            let regimes = try #require(json["regimes"] as? [String: [[Any]]])
            #expect(regimes["trend"]?.isEmpty == true && regimes["volatility"]?.isEmpty == true, "\(regimes)")
            #expect(try await browser.send("/ui/market.json?symbol=BTC-USD&timeframe=1h&bars=1").status == 400)
            #expect(try await browser.send("/ui/market.json?symbol=NOPE&timeframe=1h").status == 404)
            let defaulted = try await browser.send("/ui/market")
            #expect(defaulted.text.contains("value=\"BTC-USD\"") && defaulted.text.contains("id=\"market-chart\""))
            for (query, field) in [("symbol=%3Cb%3E", "must be 1"), ("symbol=BTC-USD&timeframe=7m", "must be one of 1m"), ("symbol=BTC-USD&bars=9999", "from 2 to 5000")] {
                let bad = try await browser.send("/ui/market?\(query)")
                #expect(bad.status == 200 && bad.text.contains("field-error") && bad.text.contains(field) && !bad.text.contains("market-chart"), "\(query)")
            }
            #expect(try await browser.send("/ui/market?symbol=NOPE&timeframe=1h").text.contains("No 1h bars are stored for NOPE"))
        }
    }
}
