import Foundation
import HTTPServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing
import TradingEngine

@Suite("HTTP API")
struct APIBehaviourTests {
    @Test("health and metrics answer without a key")
    func openRoutes() async throws {
        try await withServer { (_: ServerFixture, client: any TestClientProtocol) async throws in
            try await client.execute(uri: "/health/live", method: .get) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                #expect(try response.json["status"] as? String == "ok")
            }
            try await client.execute(uri: "/health/ready", method: .get) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                #expect(try response.json["status"] as? String == "ready")
            }
            try await client.execute(uri: "/metrics", method: .get) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                #expect(response.text.contains("process_resident_memory_bytes"))
                #expect(response.text.contains("orchestrator_db_pool_max_connections"))
            }
        }
    }

    @Test("metrics count requests by route template and status")
    func metricsCountRequests() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await client.execute(uri: "/api/v1/apikeys/77", method: .delete, headers: fixture.headers(.admin)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/system/status", method: .get, headers: fixture.headers(.viewer)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { (response: TestResponse) async throws in
                let text = response.text
                #expect(text.contains(#"orchestrator_http_requests_total{method="DELETE",route="/api/v1/apikeys/{id}",status="404"} 1"#), "\(text)")
                #expect(text.contains(#"orchestrator_http_requests_total{method="GET",route="/api/v1/system/status",status="200"} 1"#))
                #expect(text.contains("orchestrator_http_request_duration_seconds_bucket"))
            }
        }
    }

    @Test("metrics can require a key")
    func closedMetrics() async throws {
        try await withServer(openMetrics: false) { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/metrics", method: .get, headers: fixture.headers(.viewer)) { #expect($0.status == .ok) }
        }
    }

    @Test("API routes answer 401 without a usable key", arguments: [nil, "Bearer", "Basic abc", "Bearer tok_not-a-real-key-but-long-enough-to-check", "Bearer short"] as [String?])
    func unauthorized(header: String?) async throws {
        try await withServer { (_: ServerFixture, client: any TestClientProtocol) async throws in
            var headers = HTTPFields()
            if let header { headers[.authorization] = header }
            try await client.execute(uri: "/api/v1/instruments", method: .get, headers: headers) { (response: TestResponse) async throws in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect(try response.json["type"] as? String == "/docs#problem-unauthorized")
            }
        }
    }

    @Test("each route needs its role: lower roles get 403", arguments: [
        ("/api/v1/system/status", HTTPRequest.Method.get, APIKeyRole.viewer),
        ("/api/v1/instruments", .get, .viewer),
        ("/api/v1/market/bars?symbol=BTC-USD&timeframe=1h", .get, .viewer),
        ("/api/v1/apikeys", .get, .admin),
    ])
    func roles(uri: String, method: HTTPRequest.Method, required: APIKeyRole) async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            for role in APIKeyRole.allCases {
                try await client.execute(uri: uri, method: method, headers: fixture.headers(role)) { (response: TestResponse) async throws in
                    if role.satisfies(required) {
                        #expect(response.status == .ok, "\(role) on \(uri)")
                    } else {
                        #expect(response.status == .forbidden, "\(role) on \(uri)")
                        #expect(try response.json["type"] as? String == "/docs#problem-forbidden")
                    }
                }
            }
        }
    }

    @Test("a revoked key stops working at once on this server")
    func revocation() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await client.execute(uri: "/api/v1/instruments", method: .get, headers: fixture.headers(.viewer)) { #expect($0.status == .ok) }
            let keys = try await fixture.store.apiKeys()
            let viewer = try #require(keys.first { $0.role == .viewer })
            try await client.execute(uri: "/api/v1/apikeys/\(viewer.id)", method: .delete, headers: fixture.headers(.admin)) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                #expect(try response.json["active"] as? Bool == false)
            }
            try await client.execute(uri: "/api/v1/instruments", method: .get, headers: fixture.headers(.viewer)) { #expect($0.status == .unauthorized) }
        }
    }

    @Test("an admin creates a key that is shown once and works")
    func createKey() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let body = ByteBuffer(string: #"{"name":"dashboard","role":"viewer"}"#)
            let key = try await client.execute(uri: "/api/v1/apikeys", method: .post, headers: fixture.headers(.admin, contentType: "application/json"),
                                               body: body) { (response: TestResponse) async throws in
                #expect(response.status == .created)
                let json = try response.json
                #expect(json["role"] as? String == "viewer")
                return try #require(json["key"] as? String)
            }
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(key)"
            try await client.execute(uri: "/api/v1/instruments", method: .get, headers: headers) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/apikeys", method: .get, headers: fixture.headers(.admin)) { (response: TestResponse) async throws in
                #expect(!response.text.contains(key))
                #expect(!response.text.contains(APIKeyCodec.hash(key)))
            }
        }
    }

    @Test("bad bodies get 4xx problems that say what is wrong", arguments: [
        (#"{"name":"x","role":"viewer""#, "application/json", HTTPResponse.Status.badRequest, "malformed-json", "not valid JSON"),
        (#"{"name":"x"}"#, "application/json", .badRequest, "malformed-json", "role is required"),
        (#"{"name":"x","role":"god"}"#, "application/json", .badRequest, "malformed-json", "role"),
        (#"{"name":"","role":"viewer"}"#, "application/json", .badRequest, "malformed-json", "1 to 100 characters"),
        (#"{"name":"x","role":"viewer"}"#, "text/plain", .unsupportedMediaType, "unsupported-media-type", "application/json"),
        (#"{"name":"x","role":"viewer"}"#, "", .unsupportedMediaType, "unsupported-media-type", "none"),
        (String(repeating: "x", count: 5000), "application/json", .contentTooLarge, "payload-too-large", "limit"),
    ])
    func badBodies(body: String, contentType: String, status: HTTPResponse.Status, type: String, detail: String) async throws {
        try await withServer(maximumBodyBytes: 4096) { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await client.execute(uri: "/api/v1/apikeys", method: .post,
                                     headers: fixture.headers(.admin, contentType: contentType.isEmpty ? nil : contentType),
                                     body: ByteBuffer(string: body)) { (response: TestResponse) async throws in
                #expect(response.status == status)
                #expect(response.headers[.contentType] == "application/problem+json")
                let json = try response.json
                #expect(json["type"] as? String == "/docs#problem-\(type)")
                #expect((json["detail"] as? String ?? "").contains(detail), "\(json)")
                #expect(json["status"] as? Int == Int(status.code))
            }
            #expect(try await fixture.store.apiKeys().count == 3)
        }
    }

    @Test("bad query values get 400 problems naming the parameter", arguments: [
        ("symbol=BTC-USD&timeframe=7q", "timeframe"), ("timeframe=1h", "symbol"), ("symbol=BTC-USD&timeframe=1h&limit=0", "limit"),
        ("symbol=BTC-USD&timeframe=1h&limit=99999", "limit"), ("symbol=BTC-USD&timeframe=1h&limit=ten", "limit"),
        ("symbol=BTC-USD&timeframe=1h&start=yesterday", "start"), ("symbol=BTC-USD&timeframe=1h&limt=5", "limt"),
        ("symbol=BTC-USD&timeframe=1h&start=2024-02-01&end=2024-01-01", "end"), ("symbol=BTC-USD&symbol=ETH&timeframe=1h", "symbol"),
        ("symbol=B%20C&timeframe=1h", "symbol"),
    ])
    func badQueries(query: String, parameter: String) async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await client.execute(uri: "/api/v1/market/bars?\(query)", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect(response.status == .badRequest)
                let json = try response.json
                #expect(json["type"] as? String == "/docs#problem-invalid-parameter")
                let errors = try #require(json["errors"] as? [[String: Any]])
                #expect(errors.first?["name"] as? String == parameter, "\(json)")
            }
        }
    }

    @Test("unknown routes and series are 404 problems without internal details")
    func notFound() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            for uri in ["/nope", "/api/v1/nothing-here", "/api/v1/market/bars?symbol=ETH-USD&timeframe=1h"] {
                try await client.execute(uri: uri, method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                    #expect(response.status == .notFound, "\(uri)")
                    #expect(response.headers[.contentType] == "application/problem+json")
                    #expect(!response.text.contains("/work/") && !response.text.contains(".swift"))
                }
            }
        }
    }

    @Test("a known path with another method gets 405 and an Allow header", arguments: [
        ("/api/v1/apikeys", HTTPRequest.Method.put, "GET, POST"), ("/api/v1/apikeys/3", .get, "DELETE"), ("/metrics", .post, "GET"),
    ])
    func methodNotAllowed(uri: String, method: HTTPRequest.Method, allow: String) async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await client.execute(uri: uri, method: method, headers: fixture.headers(.admin)) { (response: TestResponse) async throws in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == allow)
                #expect(try response.json["type"] as? String == "/docs#problem-method-not-allowed")
            }
        }
    }

    @Test("bars come in pages with exact decimal strings")
    func barPages() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            var start: String? = nil
            var total = 0
            repeat {
                let uri = "/api/v1/market/bars?symbol=BTC-USD&timeframe=1h&limit=7" + (start.map { "&start=\($0)" } ?? "")
                start = try await client.execute(uri: uri, method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                    #expect(response.status == .ok)
                    let json = try response.json
                    let bars = try #require(json["bars"] as? [[String: Any]])
                    total += bars.count
                    #expect(bars.first?["low"] as? String == "99.25")
                    #expect(bars.first?["volume"] as? String == "3.5")
                    return json["next_start"] as? String
                }
            } while start != nil
            #expect(total == 30)
        }
    }

    @Test("responses carry a request id, and a caller's id is kept")
    func requestIDs() async throws {
        try await withServer { (_: ServerFixture, client: any TestClientProtocol) async throws in
            var headers = HTTPFields()
            headers[HTTPField.Name("X-Request-Id")!] = "trace-123"
            try await client.execute(uri: "/health/live", method: .get, headers: headers) { (response: TestResponse) async throws in
                #expect(response.headers[HTTPField.Name("X-Request-Id")!] == "trace-123")
            }
            try await client.execute(uri: "/health/live", method: .get) { (response: TestResponse) async throws in
                #expect(response.headers[HTTPField.Name("X-Request-Id")!]?.count == 16)
            }
        }
    }

    @Test("no API key ever appears in the logs")
    func keysNeverLogged() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            for role in APIKeyRole.allCases {
                try await client.execute(uri: "/api/v1/system/status", method: .get, headers: fixture.headers(role)) { _ in }
                try await client.execute(uri: "/api/v1/apikeys", method: .get, headers: fixture.headers(role)) { _ in }
            }
            let created = try await client.execute(uri: "/api/v1/apikeys", method: .post,
                                                   headers: fixture.headers(.admin, contentType: "application/json"),
                                                   body: ByteBuffer(string: #"{"name":"n","role":"viewer"}"#)) { try $0.json["key"] as? String }
            let logs = fixture.logs.all
            #expect(logs.count >= 7)
            for key in Array(fixture.keys.values) + [try #require(created)] {
                #expect(!logs.contains { $0.contains(key) || $0.contains(String(key.dropFirst(4))) })
            }
        }
    }
}
