import Analytics
import Foundation
import HTTPServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PortfolioOptimizer
import TestSupport
import Testing
import TradingCore
import TradingEngine

@Suite("Portfolio and analytics API")
struct PortfolioAPITests {
    /// Three assets over twelve days with prices that move differently.
    static let inlinePrices = """
        "prices": {"dates": ["2024-01-01","2024-01-02","2024-01-03","2024-01-04","2024-01-05","2024-01-08","2024-01-09","2024-01-10","2024-01-11","2024-01-12","2024-01-15","2024-01-16"],
          "closes": {"AAA": [100,101,99,102,103,101,104,106,105,107,108,110],
                     "BBB": [50,50.5,50.2,50.9,50.4,51,51.3,50.8,51.6,51.9,51.5,52.2],
                     "CCC": [20,19.5,20.4,20.1,19.7,20.6,20.2,20.9,21.3,20.8,21.6,21.4]}}
        """

    static func post(_ client: any TestClientProtocol, _ fixture: ServerFixture, _ path: String, _ body: String,
                     _ check: @escaping @Sendable (TestResponse) async throws -> Void) async throws {
        try await client.execute(uri: path, method: .post, headers: fixture.headers(.viewer, contentType: "application/json"),
                                 body: ByteBuffer(string: body), testCallback: check)
    }

    @Test("optimize on inline prices returns weights that sum to 1 and the documented keys")
    func optimizeInline() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await Self.post(client, fixture, "/api/v1/portfolio/optimize", #"{"objective": "min-volatility", \#(Self.inlinePrices)}"#) { (response: TestResponse) async throws in
                #expect(response.status == .ok, "\(response.text)")
                let json = try response.json
                let weights = try #require(json["weights"] as? [String: Double])
                #expect(Set(weights.keys) == ["AAA", "BBB", "CCC"])
                #expect(abs(weights.values.reduce(0, +) - 1) < 1e-9)
                for key in ["expected_return", "volatility", "sharpe", "elapsed_ms", "cash_weight", "observations"] {
                    #expect(json[key] != nil, "missing \(key)")
                }
                #expect(json["observations"] as? Int == 12)
            }
        }
    }

    @Test("infeasible or bad data gives 422 saying why; a bad body gives 400 naming the member", arguments: [
        (#"{"objective": "efficient-return", "target_return": 50, \#(PortfolioAPITests.inlinePrices)}"#, 422, "unreachable"),
        (#"{"objective": "min-volatility", "max_weight": 0.2, \#(PortfolioAPITests.inlinePrices)}"#, 422, "cannot sum to 1"),
        (#"{"strategy": "TACTICAL", \#(PortfolioAPITests.inlinePrices)}"#, 422, "needs a market regime"),
        (#"{"objective": "min-volatility", "prices": {"dates": ["2024-01-01","2024-01-02","2024-01-03"], "closes": {"A": [1,2,3], "B": [1,1,1]}}}"#, 422, "B never changes"),
        (#"{"objective": "min-volatility", "max_wieght": 0.5, \#(PortfolioAPITests.inlinePrices)}"#, 400, "max_wieght"),
        (#"{"objective": "min-volatility", "symbols": ["NOPE", "BTC-USD"]}"#, 422, "no 1d bars are stored for NOPE"),
        (#"{"objective": "min-volatility"}"#, 400, "give prices"),
        (#"{"objective": "max-return", \#(PortfolioAPITests.inlinePrices)}"#, 400, "objective: must be one of max-sharpe, min-volatility"),
        (#"{"strategy": "yolo", \#(PortfolioAPITests.inlinePrices)}"#, 400, "strategy: must be one of CONSERVATIVE"),
        (#"{"objective": "hrp", "strategy": "BALANCED", \#(PortfolioAPITests.inlinePrices)}"#, 400, "give exactly one of objective"),
        (#"{"objective": "min-volatility", "max_weight": null, \#(PortfolioAPITests.inlinePrices)}"#, 400, "max_weight: is null; leave the member out"),
        (#"{"objective": "min-volatility", "groups": [{"name": "g", "symbols": ["A"], "min": null}], \#(PortfolioAPITests.inlinePrices)}"#, 400, "groups[0].min: is null"),
        (#"{"objective": "min-volatility", "groups": [{"name": "g", "symbols": ["A"], "maximum": 0.5}], \#(PortfolioAPITests.inlinePrices)}"#, 400, "maximum: is not a member here"),
        (#"{"strategy": "balanced", \#(PortfolioAPITests.inlinePrices)}"#, 400, "strategy: must be one of CONSERVATIVE, BALANCED"),
        (#"{"objective": "hrp", "covariance": "robust", \#(PortfolioAPITests.inlinePrices)}"#, 400, "covariance: must be one of sample, ledoit-wolf"),
        (#"{"strategy": "BALANCED", "risk_level": "extreme", \#(PortfolioAPITests.inlinePrices)}"#, 400, "risk_level: must be one of VERY_LOW"),
    ])
    func optimizeProblems(body: String, status: Int, detail: String) async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await Self.post(client, fixture, "/api/v1/portfolio/optimize", body) { (response: TestResponse) async throws in
                #expect(Int(response.status.code) == status, "\(response.text)")
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect((try response.json["detail"] as? String ?? "").contains(detail), "\(response.text)")
            }
        }
    }

    @Test("optimize reads stored closes on the dates every symbol has")
    func optimizeFromStore() async throws {
        try await withServer(maximumBodyBytes: 65536) { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let origin = Timestamp(iso8601: "2024-01-01")!
            for (symbol, skipped) in [("AAA", 3), ("BBB", 5)] {
                let bars = try (0..<40).filter { $0 != skipped }.map { day in
                    let close = Price(FixedDecimal(approximating: 100 + Double(day % 7) * (symbol == "AAA" ? 1.3 : -0.7) + Double(day) * 0.2, fractionalDigits: 4)!)
                    return try Bar(openTime: origin.adding(milliseconds: Int64(day) * 86_400_000), open: close, high: close, low: close, close: close, volume: nil)
                }
                _ = try await fixture.store.importBars(BarImportBatch(instrument: Instrument(symbol: Symbol(symbol)!, assetClass: .equity, quoteCurrency: "USD"),
                                                                      timeframe: .oneDay, kind: .closeOnly, bars: bars, source: "test"))
            }
            try await Self.post(client, fixture, "/api/v1/portfolio/optimize", #"{"objective": "hrp", "symbols": ["AAA", "BBB"], "end": "2024-01-30"}"#) { (response: TestResponse) async throws in
                #expect(response.status == .ok, "\(response.text)")
                let json = try response.json
                // 30 days to 2024-01-30, less day 3 (no AAA) and day 5 (no BBB).
                #expect(json["observations"] as? Int == 28)
                #expect(json["end"] as? String == "2024-01-30T00:00:00Z")
            }
        }
    }

    @Test("rebalance plans sells before buys with exact decimal amounts; greedy allocates cash")
    func rebalance() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let body = #"{"cash": "0", "targets": {"A": 0.5, "B": 0.5}, "positions": [{"symbol": "A", "quantity": "70", "price": "100"}, {"symbol": "B", "quantity": "30", "price": "100"}]}"#
            try await Self.post(client, fixture, "/api/v1/portfolio/rebalance", body) { (response: TestResponse) async throws in
                #expect(response.status == .ok, "\(response.text)")
                let json = try response.json
                #expect(json["rebalance_needed"] as? Bool == true)
                let orders = try #require(json["orders"] as? [[String: Any]])
                #expect(orders.map { $0["side"] as? String } == ["sell", "buy"])
                #expect(orders.map { $0["quantity"] as? String } == ["20", "20"])
                #expect(json["cash_after"] as? String == "0")
            }
            let greedy = #"{"cash": "1000", "method": "greedy", "targets": {"A": 0.6, "B": 0.4}, "positions": [{"symbol": "A", "price": "33"}, {"symbol": "B", "price": "70"}]}"#
            try await Self.post(client, fixture, "/api/v1/portfolio/rebalance", greedy) { (response: TestResponse) async throws in
                #expect(response.status == .ok, "\(response.text)")
                let json = try response.json
                #expect(json["leftover_cash"] != nil)
                #expect((json["orders"] as? [[String: Any]])?.count == 2)
            }
            let unpriced = #"{"cash": "10", "targets": {"A": 1}, "positions": []}"#
            try await Self.post(client, fixture, "/api/v1/portfolio/rebalance", unpriced) { (response: TestResponse) async throws in
                #expect(response.status == .unprocessableContent)
                #expect((try response.json["detail"] as? String ?? "").contains("target A has no price"))
            }
            for (body, detail) in [
                (#"{"cash": 1000, "targets": {}, "positions": []}"#, "cash: must be a decimal number in a string"),
                (#"{"cash": "1e3", "targets": {}, "positions": []}"#, "cash: must be a decimal number such as"),
                (#"{"cash": "10", "targets": {"A": 1}, "positions": [{"symbol": "A", "price": "+5"}]}"#, "price: must be a decimal number such as"),
                (#"{"cash": "10", "targets": {"A": 1}, "positions": [{"symbol": "A", "price": "5", "lots": "1"}]}"#, "lots: is not a member here"),
            ] {
                try await Self.post(client, fixture, "/api/v1/portfolio/rebalance", body) { (response: TestResponse) async throws in
                    #expect(response.status == .badRequest, "\(body): \(response.text)")
                    #expect((try response.json["detail"] as? String ?? "").contains(detail), "\(body): \(response.text)")
                }
            }
            let unknownMethod = #"{"cash": "10", "method": "proportional", "targets": {}, "positions": []}"#
            try await Self.post(client, fixture, "/api/v1/portfolio/rebalance", unknownMethod) { (response: TestResponse) async throws in
                #expect(response.status == .badRequest, "\(response.text)")
                #expect((try response.json["detail"] as? String ?? "").contains("method: must be one of drift, greedy"), "\(response.text)")
            }
            let floatCash = #"{"cash": 10.5, "targets": {}, "positions": []}"#
            try await Self.post(client, fixture, "/api/v1/portfolio/rebalance", floatCash) { (response: TestResponse) async throws in
                #expect(response.status == .badRequest, "a binary float is not accepted for money: \(response.text)")
            }
        }
    }

    @Test("metrics of a return series equal the library's, and bad series are 422")
    func metrics() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let returns = [0.01, -0.02, 0.015, 0.003, -0.007, 0.02, -0.011, 0.004]
            let expected = try PerformanceAnalytics.metrics(returns: returns)
            try await Self.post(client, fixture, "/api/v1/analytics/metrics", #"{"returns": [0.01, -0.02, 0.015, 0.003, -0.007, 0.02, -0.011, 0.004]}"#) { (response: TestResponse) async throws in
                #expect(response.status == .ok, "\(response.text)")
                let json = try response.json
                // Foundation's JSON parser on Linux may round the last digit; the server writes the shortest exact form.
                #expect(agrees(try #require(json["sharpe_ratio"] as? Double), expected.sharpeRatio, relative: 1e-14))
                #expect(agrees(try #require(json["max_drawdown"] as? Double), expected.maxDrawdown, relative: 1e-14))
                #expect(json["alpha"] is NSNull)
            }
            try await Self.post(client, fixture, "/api/v1/analytics/metrics", #"{"returns": [0.01]}"#) { (response: TestResponse) async throws in
                #expect(response.status == .unprocessableContent)
            }
            try await Self.post(client, fixture, "/api/v1/analytics/metrics", #"{"symbol": "BTC-USD", "timeframe": "1h"}"#) { (response: TestResponse) async throws in
                #expect(response.status == .ok, "\(response.text)")
                #expect(try response.json["count"] as? Int == 29)
            }
        }
    }

    @Test("a stored symbol's members beside a return series, or a return series' benchmark beside a symbol, are refused, not ignored", arguments: [
        (#"{"returns": [0.01, 0.02], "end": ""}"#, "end"),
        (#"{"returns": [0.01, 0.02], "timeframe": "1h", "start": "2024-01-01"}"#, "timeframe"),
        (#"{"symbol": "BTC-USD", "timeframe": "1h", "benchmark_returns": [0.01]}"#, "benchmark_returns"),
    ])
    func metricsMembersThatDoNotApply(body: String, member: String) async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await Self.post(client, fixture, "/api/v1/analytics/metrics", body) { (response: TestResponse) async throws in
                #expect(response.status == .badRequest, "\(response.text)")
                let errors = try response.json["errors"] as? [[String: Any]] ?? []
                #expect(errors.contains { $0["name"] as? String == member }, "\(response.text)")
            }
        }
    }
}
