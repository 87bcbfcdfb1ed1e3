import Foundation
@testable import HTTPServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TradingCore
import TradingEngine

@Suite("Dashboard: backtests queued, listed, shown and compared")
struct DashboardBacktestTests {
    typealias Browser = DashboardTests.Browser

    /// A stored result as a worker writes it (two months, two trades).
    static func result(final: String, returnPercent: Double) -> String {
        """
        {"strategy": "sma-cross", "symbol": "BTC-USD", "timeframe": "1h", "bars": 30, "fast": 5, "slow": 20, "cash": "100000", "commission": "0.001",
         "first_bar_time": "2024-01-01T00:00:00.000Z", "last_bar_time": "2024-02-01T05:00:00.000Z", "final_equity": "\(final)",
         "return_pct": \(returnPercent), "trades": 2, "max_drawdown_pct": -3.5, "sharpe_ratio": 0.8, "win_rate_pct": 50, "exposure_pct": 40,
         "fees": "12.5", "buy_and_hold_return_pct": 4.25, "metrics": {"annual_return": 0.1, "annual_volatility": 0.2, "sortino_ratio": null,
         "calmar_ratio": 1.5, "value_at_risk_95": -0.01, "conditional_value_at_risk_95": -0.02},
         "equity_curve": [{"time": "2024-01-01T01:00:00.000Z", "equity": 100000, "buy_and_hold": 100000},
                          {"time": "2024-01-15T01:00:00.000Z", "equity": 96500, "buy_and_hold": 101000},
                          {"time": "2024-02-01T06:00:00.000Z", "equity": \(final), "buy_and_hold": 104250}],
         "monthly_returns": [{"year": 2024, "month": 1, "return_pct": -2.5}, {"year": 2024, "month": 2, "return_pct": 1.25}],
         "trade_list": [{"entry_time": "2024-01-02T00:00:00.000Z", "exit_time": "2024-01-09T00:00:00.000Z", "size": "9", "entry_price": "100.5",
                         "exit_price": "101", "profit": "3.29"},
                        {"entry_time": "2024-01-20T00:00:00.000Z", "exit_time": "2024-01-29T00:00:00.000Z", "size": "-9", "entry_price": "101",
                         "exit_price": "100", "profit": "7.2"}], "trade_list_truncated": false}
        """
    }

    @Test("a trader queues a backtest from the page once however often the form is sent; a bad field is shown next to it and queues nothing; a viewer has no form")
    func queueFromThePage() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let viewer = Browser(client)
            _ = try await viewer.signIn(fixture.keys[.viewer]!)
            let seen = try await viewer.send("/ui/backtests")
            #expect(seen.status == 200 && !seen.text.contains("action=\"/ui/backtests\"") && seen.text.contains("no backtest yet"))
            let trader = Browser(client)
            _ = try await trader.signIn(fixture.keys[.trader]!)
            let page = try await trader.send("/ui/backtests")
            #expect(page.status == 200 && page.text.contains("action=\"/ui/backtests\"") && page.text.contains("value=\"BTC-USD\""))
            var form = ["form_token": Browser.hidden("form_token", in: page.text) ?? "", "idempotency_key": Browser.hidden("idempotency_key", in: page.text) ?? "",
                        "symbol": "BTC-USD", "timeframe": "1h", "fast": "5", "slow": "3", "cash": "100000", "commission": "0.001"]
            let refused = try await trader.send("/ui/backtests", method: .post, form: form)
            #expect(refused.status == 400 && refused.text.contains("<div class=\"field-error\">needs 1 ≤ fast &lt; slow ≤ 10000</div></label>"))
            #expect(refused.text.contains("name=\"slow\" value=\"3\""))
            form["slow"] = "twenty"
            #expect(try await trader.send("/ui/backtests", method: .post, form: form).text.contains("must be a whole number"))
            form["slow"] = "20"
            form["timeframe"] = "1d"
            #expect(try await trader.send("/ui/backtests", method: .post, form: form).text.contains("BTC-USD has 1h bars, not 1d"))
            #expect(try await fixture.store.jobCounts().isEmpty)
            form["timeframe"] = "1h"
            let first = try await trader.send("/ui/backtests", method: .post, form: form)
            let second = try await trader.send("/ui/backtests", method: .post, form: form)
            #expect(first.status == 303 && first.location?.hasPrefix("/ui/backtests/") == true && second.location == first.location)
            #expect(try await fixture.store.jobCounts()[.queued] == 1)
            let queued = try await trader.send(first.location!)
            #expect(queued.status == 200 && queued.text.contains("data-refresh") && queued.text.contains("BTC-USD 1h sma-cross 5/20"))
            // A viewer cannot queue, even with a form of its own session.
            let viewerForm = ["form_token": Browser.hidden("form_token", in: seen.text) ?? "", "idempotency_key": String(repeating: "k", count: 20),
                              "symbol": "BTC-USD", "timeframe": "1h", "fast": "5", "slow": "20", "cash": "1", "commission": "0"]
            #expect(try await viewer.send("/ui/backtests", method: .post, form: viewerForm).status == 403)
        }
    }

    @Test("the largest result a job stores (1,000 curve points, 500 trades) makes a page under the 150 KB budget, listing the first 100 trades")
    func largestResultPage() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let origin = Timestamp(iso8601: "2000-01-03T00:00:00Z")!
            func time(_ day: Int) -> String { origin.adding(milliseconds: Int64(day) * 86_400_000).iso8601 }
            let curve = (0..<1000).map { "{\"time\": \"\(time($0))\", \"equity\": \(100_000 + Double($0) * 13.37), \"buy_and_hold\": \(100_000 + Double($0) * 11.11)}" }
            let trades = (0..<500).map {
                "{\"entry_time\": \"\(time(2 * $0))\", \"exit_time\": \"\(time(2 * $0 + 1))\", \"size\": \"123\", \"entry_price\": \"1234.567891\", \"exit_price\": \"1240.123456\", \"profit\": \"-683.456789012\"}"
            }
            let months = (0..<240).map { "{\"year\": \(2000 + $0 / 12), \"month\": \($0 % 12 + 1), \"return_pct\": 1.25}" }
            let result = """
                {"symbol": "BTC-USD", "timeframe": "1h", "bars": 20000, "final_equity": "113357.5", "return_pct": 13.4, "trades": 1200,
                 "equity_curve": [\(curve.joined(separator: ","))], "monthly_returns": [\(months.joined(separator: ","))],
                 "trade_list": [\(trades.joined(separator: ","))], "trade_list_truncated": true}
                """
            let now = fixture.dependencies.clock.now()
            let job = try await fixture.store.enqueue(NewJob(kind: "backtest", payload: #"{"symbol": "BTC-USD", "timeframe": "1h"}"#, runAt: now), at: now)
            _ = try await fixture.store.claimJobs(worker: "test", kinds: ["backtest"], limit: 1, lease: .seconds(30), at: now)
            #expect(try await fixture.store.completeJob(jobID: job.id, worker: "test", result: result, at: now))
            let browser = Browser(client)
            _ = try await browser.signIn(fixture.keys[.viewer]!)
            let page = try await browser.send("/ui/backtests/\(job.id)")
            #expect(page.status == 200 && page.text.utf8.count < 150 * 1024, "\(page.text.utf8.count) bytes")
            #expect(page.text.components(separatedBy: "<td class=\"number\">-683.456789012</td>").count == 101)
            #expect(page.text.contains("The first 100 of 1200 trades; the first 500 are in <code>GET /api/v1/backtests/\(job.id)</code>"))
        }
    }

    @Test("a run's page shows the tear sheet's content; two runs compare side by side; the API lists them newest first, paged")
    func resultsAndComparison() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let now = fixture.dependencies.clock.now()
            var ids: [Int64] = []
            for (final, percent) in [("103000", 3.0), ("98000", -2.0)] {
                let job = try await fixture.store.enqueue(NewJob(kind: "backtest", payload: #"{"symbol": "BTC-USD", "timeframe": "1h", "fast": 5, "slow": 20}"#,
                                                                 runAt: now), at: now)
                _ = try await fixture.store.claimJobs(worker: "test", kinds: ["backtest"], limit: 1, lease: .seconds(30), at: now)
                #expect(try await fixture.store.completeJob(jobID: job.id, worker: "test", result: Self.result(final: final, returnPercent: percent), at: now))
                ids.append(job.id)
            }
            let failed = try await fixture.store.enqueue(NewJob(kind: "backtest", payload: "{\"symbol\": 1}", runAt: now, maximumAttempts: 1), at: now)
            _ = try await fixture.store.claimJobs(worker: "test", kinds: ["backtest"], limit: 1, lease: .seconds(30), at: now)
            _ = try await fixture.store.failJob(jobID: failed.id, worker: "test", error: "the payload is not a backtest request", retryAt: now, at: now)
            let browser = Browser(client)
            _ = try await browser.signIn(fixture.keys[.viewer]!)
            let page = try await browser.send("/ui/backtests/\(ids[0])")
            #expect(page.status == 200 && page.text.contains("<figure class=\"chart\"><figcaption>Equity <svg class=\"swatch\"") && page.text.contains("<polyline"))
            #expect(page.text.contains("<td class=\"number\">4.25</td>") && page.text.contains("<td class=\"number\">3.29</td>") && page.text.contains(">-2.5<"))
            let dead = try await browser.send("/ui/backtests/\(failed.id)")
            #expect(dead.text.contains("class=\"problem\">dead after 1 attempts: the payload is not a backtest request"))
            let list = try await browser.send("/ui/backtests")
            #expect(list.text.contains("value=\"\(ids[1])\"") && !list.text.contains("name=\"a\" value=\"\(failed.id)\""))
            let compared = try await browser.send("/ui/backtests/compare?a=\(ids[0])&b=\(ids[1])")
            #expect(compared.status == 200 && compared.text.contains("<td class=\"number\">103000</td><td class=\"number\">98000</td>"))
            #expect(compared.text.contains("100 at each run") && compared.text.components(separatedBy: "<polyline").count == 3)
            #expect(try await browser.send("/ui/backtests/compare?a=\(ids[0])&b=\(failed.id)").text.contains("Only succeeded runs compare"))
            #expect(try await browser.send("/ui/backtests/compare?a=\(ids[0])").status == 400)
            #expect(try await browser.send("/ui/backtests/999").status == 404)
            try await client.execute(uri: "/api/v1/backtests?limit=2", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                let listed = try #require(try response.json["backtests"] as? [[String: Any]])
                #expect(listed.compactMap { $0["job_id"] as? Int }.map(Int64.init) == [failed.id, ids[1]])
                #expect(listed[1]["return_pct"] as? Double == -2 && listed[0]["status"] as? String == "dead" && listed[0]["symbol"] as? String == "?")
                #expect(try response.json["next_before"] as? Int == Int(ids[1]))
            }
            try await client.execute(uri: "/api/v1/backtests?before=\(ids[1])", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect(try (response.json["backtests"] as? [[String: Any]])?.count == 1 && response.json["next_before"] is NSNull)
            }
        }
    }
}
