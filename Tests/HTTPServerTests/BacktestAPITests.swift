import Foundation
import HTTPServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TradingCore
import TradingEngine

@Suite("Backtests through the API are jobs")
struct BacktestAPITests {
    @Test("POST queues a job (202), an Idempotency-Key returns the same job, GET shows the status and then the result")
    func queueAndRead() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            var headers = fixture.headers(.trader, contentType: "application/json")
            headers[HTTPField.Name("Idempotency-Key")!] = "req-1"
            let body = #"{"symbol": "BTC-USD", "timeframe": "1h", "fast": 5, "slow": 20}"#
            let first = try await client.execute(uri: "/api/v1/backtests", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .accepted)
                return try (response.json["job_id"] as? Int).map(Int64.init)
            }
            let id = try #require(first)
            let again = try await client.execute(uri: "/api/v1/backtests", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
                try (response.json["job_id"] as? Int).map(Int64.init)
            }
            #expect(again == id)
            try await client.execute(uri: "/api/v1/backtests/\(id)", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect(try response.json["status"] as? String == "queued" && response.json["result"] is NSNull)
            }
            // A worker's part, done by hand: claim and complete.
            let claimed = try await fixture.store.claimJobs(worker: "test", kinds: ["backtest"], limit: 1, lease: .seconds(30), at: fixture.dependencies.clock.now())
            #expect(claimed.map(\.id) == [id])
            #expect(try await fixture.store.completeJob(jobID: id, worker: "test", result: #"{"final_equity": "1.5", "trades": 3}"#, at: fixture.dependencies.clock.now()))
            try await client.execute(uri: "/api/v1/backtests/\(id)", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect(try response.json["status"] as? String == "succeeded")
                #expect(try (response.json["result"] as? [String: Any])?["trades"] as? Int == 3)
            }
        }
    }

    @Test("bad requests are refused before anything is queued", arguments: [
        (#"{"symbol": "BTC-USD", "fast": 30, "slow": 10}"#, 400),
        (#"{"symbol": "BTC-USD", "timeframe": "7x"}"#, 400),
        (#"{"symbol": "BTC-USD", "cash": "lots"}"#, 400),
        (#"{"symbol": "BTC-USD", "speed": 1}"#, 400),
        (#"{"fast": 5}"#, 400),
        (#"{"symbol": "ETH-USD", "timeframe": "1h"}"#, 400),
        (#"{"symbol": "BTC-USD", "timeframe": "1d"}"#, 400),
        (#"{"symbol": "BTC-USD", "timeframe": "1h", "commission": "1.5"}"#, 400),
        (#"{"symbol": "BTC-USD", "timeframe": "1h", "cash": "0"}"#, 400),
    ])
    func badRequests(body: String, status: Int) async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await client.execute(uri: "/api/v1/backtests", method: .post, headers: fixture.headers(.trader, contentType: "application/json"),
                                     body: ByteBuffer(string: body)) { (response: TestResponse) async throws in
                #expect(Int(response.status.code) == status, "\(response.text)")
            }
            #expect(try await fixture.store.jobCounts().isEmpty)
            try await client.execute(uri: "/api/v1/backtests/77", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect(response.status == .notFound)
            }
        }
    }
}
