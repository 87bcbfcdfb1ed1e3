import Foundation
import HTTPServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Prediction
import Storage
import Testing
import TradingCore
import TradingEngine

/// Constant weights, enough to make the engine trade.
struct HalfAndHalf: AllocationPolicy {
    func targetWeights(at time: Timestamp, bars: [Symbol: PointInTimeBars]) throws -> [Symbol: Double]? {
        [Symbol("UP")!: 0.45, Symbol("DOWN")!: 0.45]
    }
}

@Suite("Trading API: the paper account, its orders and the operator's halt")
struct TradingAPITests {
    static func runner(_ store: SQLStore) throws -> PaperTradingRunner<HalfAndHalf> {
        let origin = Timestamp(iso8601: "2024-03-01T00:00:00Z")!
        func bars(_ step: Int) throws -> [Bar] {
            try (0..<40).map { day in
                let close = Price(FixedDecimal(200 + step * day))
                return try Bar(openTime: origin.adding(milliseconds: Int64(day) * 86_400_000), open: close, high: close, low: close, close: close, volume: nil)
            }
        }
        return PaperTradingRunner(store: store, account: "paper", bars: [Symbol("UP")!: try bars(2), Symbol("DOWN")!: try bars(-1)], timeframe: .oneDay,
                                  settings: TradingSettings(cash: FixedDecimal(10_000), limits: RiskLimits(maximumPositionWeight: 0.5), decisionInterval: 5,
                                                            orderPrefix: "paper"),
                                  pace: .zero, now: { origin }, makePolicy: { HalfAndHalf() })
    }

    static func get(_ client: any TestClientProtocol, _ fixture: ServerFixture, _ path: String) async throws -> (Int, [String: Any]) {
        try await client.execute(uri: path, method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
            (Int(response.status.code), (try? response.json) ?? [:])
        }
    }

    @Test("before any run the account routes answer 404 saying how to start one")
    func notFoundBeforeARun() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            for path in ["/api/v1/portfolio", "/api/v1/positions", "/api/v1/orders", "/api/v1/trades", "/api/v1/equity", "/api/v1/portfolio/metrics"] {
                let (status, json) = try await Self.get(client, fixture, path)
                #expect(status == 404, "\(path)")
                #expect((json["detail"] as? String ?? "").contains("orchestrator run"), "\(path)")
            }
        }
    }

    @Test("after a run the routes show the stored account: equity = cash + positions, orders, fills, marks and metrics")
    func accountAfterARun() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let session = try await Self.runner(fixture.store).run(maximumSteps: 30)
            let (status, portfolio) = try await Self.get(client, fixture, "/api/v1/portfolio")
            #expect(status == 200)
            let equity = try session.ledger.equity(prices: session.marks)
            #expect(portfolio["equity"] as? String == equity.description)
            #expect(portfolio["cash"] as? String == session.ledger.cash.description)
            #expect(portfolio["state"] as? String == "ACTIVE" && portfolio["bars_processed"] as? Int == 30)
            #expect(portfolio["positions"] as? Int == 2)
            let (_, positions) = try await Self.get(client, fixture, "/api/v1/positions")
            let rows = positions["positions"] as? [[String: Any]] ?? []
            var total = FixedDecimal(portfolio["cash"] as? String ?? "x") ?? .zero
            for row in rows { total = total + (FixedDecimal(row["market_value"] as? String ?? "x") ?? .zero) }
            #expect(total == equity)
            let (_, orders) = try await Self.get(client, fixture, "/api/v1/orders?limit=3")
            #expect((orders["orders"] as? [[String: Any]])?.count == 3)
            let (_, trades) = try await Self.get(client, fixture, "/api/v1/trades")
            let fills = trades["trades"] as? [[String: Any]] ?? []
            #expect(fills.count >= 2 && fills.allSatisfy { ($0["fill_id"] as? String)?.hasPrefix("paper-") == true })
            let (_, marks) = try await Self.get(client, fixture, "/api/v1/equity")
            #expect((marks["points"] as? [[String: Any]])?.count == 30)
            let (metricsStatus, metrics) = try await Self.get(client, fixture, "/api/v1/portfolio/metrics")
            #expect(metricsStatus == 200 && metrics["marks"] as? Int == 30 && (metrics["metrics"] as? [String: Any])?["sharpe_ratio"] != nil)
            let (badStatus, _) = try await Self.get(client, fixture, "/api/v1/orders?limit=0")
            #expect(badStatus == 400)
        }
    }

    @Test("a trader's halt with flatten is queued (202) and the engine applies it: HALTED and flat; a viewer may not halt")
    func haltThroughTheAPI() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await Self.runner(fixture.store).run(maximumSteps: 12)
            try await client.execute(uri: "/api/v1/trading/halt", method: .post, headers: fixture.headers(.viewer, contentType: "application/json"),
                                     body: ByteBuffer(string: #"{"flatten": true}"#)) { (response: TestResponse) async throws in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/trading/halt", method: .post, headers: fixture.headers(.trader, contentType: "application/json"),
                                     body: ByteBuffer(string: #"{"flaten": true}"#)) { (response: TestResponse) async throws in
                #expect(response.status == .badRequest && response.text.contains("flaten"))
            }
            try await client.execute(uri: "/api/v1/trading/halt", method: .post, headers: fixture.headers(.trader, contentType: "application/json"),
                                     body: ByteBuffer(string: #"{"flatten": true, "reason": "fat finger"}"#)) { (response: TestResponse) async throws in
                #expect(response.status == .accepted)
                #expect(try response.json["status"] as? String == "pending" && response.json["flatten"] as? Bool == true)
            }
            try await client.execute(uri: "/api/v1/trading/resume", method: .post, headers: fixture.headers(.trader),
                                     body: ByteBuffer(string: #"{"account": "nobody"}"#)) { (response: TestResponse) async throws in
                #expect(response.status == .unsupportedMediaType)
            }
            try await client.execute(uri: "/api/v1/trading/resume", method: .post, headers: fixture.headers(.trader, contentType: "application/json"),
                                     body: ByteBuffer(string: #"{"account": "nobody"}"#)) { (response: TestResponse) async throws in
                #expect(response.status == .notFound)
            }
            try await Self.runner(fixture.store).run(maximumSteps: 3)
            let (_, portfolio) = try await Self.get(client, fixture, "/api/v1/portfolio")
            #expect(portfolio["state"] as? String == "HALTED" && portfolio["positions"] as? Int == 0)
            // An empty body is accepted for resume.
            try await client.execute(uri: "/api/v1/trading/resume", method: .post, headers: fixture.headers(.trader)) { (response: TestResponse) async throws in
                #expect(response.status == .accepted)
            }
        }
    }

    @Test("a halt repeated with one Idempotency-Key queues one command; the repeat says so")
    func idempotentHalt() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await Self.runner(fixture.store).run(maximumSteps: 3)
            var headers = fixture.headers(.trader, contentType: "application/json")
            headers[HTTPField.Name("Idempotency-Key")!] = "press-7"
            var ids: [Int] = []
            for attempt in 0..<2 {
                try await client.execute(uri: "/api/v1/trading/halt", method: .post, headers: headers,
                                         body: ByteBuffer(string: #"{"flatten": true}"#)) { (response: TestResponse) async throws in
                    #expect(response.status == .accepted)
                    #expect(try response.json["repeated"] as? Bool == (attempt == 1))
                    ids.append(try response.json["command_id"] as? Int ?? -1)
                }
            }
            #expect(ids[0] == ids[1])
            #expect(try await fixture.store.pendingTradingCommands(account: "paper").count == 1)
            // The key reused for another command is a conflict, not a silently dropped resume.
            try await client.execute(uri: "/api/v1/trading/resume", method: .post, headers: headers) { (response: TestResponse) async throws in
                #expect(response.status == .conflict, "\(response.text)")
            }
            // Another caller's key of the same text is its own: its halt is queued.
            var admin = fixture.headers(.admin, contentType: "application/json")
            admin[HTTPField.Name("Idempotency-Key")!] = "press-7"
            try await client.execute(uri: "/api/v1/trading/halt", method: .post, headers: admin,
                                     body: ByteBuffer(string: #"{"flatten": true}"#)) { (response: TestResponse) async throws in
                #expect(try response.json["repeated"] as? Bool == false)
            }
            headers[HTTPField.Name("Idempotency-Key")!] = String(repeating: "k", count: 191)
            try await client.execute(uri: "/api/v1/trading/halt", method: .post, headers: headers) { (response: TestResponse) async throws in
                #expect(response.status == .badRequest)
            }
        }
    }
}
