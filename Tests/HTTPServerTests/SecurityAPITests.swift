import Foundation
import HTTPServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SecuritySupervisor
import Testing
import TradingCore

@Suite("Security API: the last sweep and the alerts")
struct SecurityAPITests {
    @Test("status is 404 before a sweep and the stored report after; alerts list; a trader acknowledges, a viewer may not")
    func statusAndAlerts() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await client.execute(uri: "/api/v1/supervisor/security", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect(response.status == .notFound)
            }
            // Shaped as the sweeper stores them (SecuritySweeperTests checks the real ones against the same schemas).
            let health = #"{"time":"1970-01-01T00:00:00Z","status":"OK","elapsed_ms":1.5,"checks":[]}"#
            let security = #"{"time":"1970-01-01T00:00:00Z","score":73,"deductions":[],"open_alerts":{},"#
                + #""scan":{"packages_scanned":0,"database_records":0,"database_problems":[],"findings":{}}}"#
            try await fixture.store.recordSweep(StoredSweep(time: Timestamp(millisecondsSinceEpoch: 0), score: 73, health: health, security: security))
            try await client.execute(uri: "/api/v1/supervisor/security", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect(try response.status == .ok && response.json["score"] as? Int == 73)
            }
            try await client.execute(uri: "/api/v1/supervisor/health", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect(try response.status == .ok && response.json["checks"] is [Any])
            }
            try await client.execute(uri: "/api/v1/supervisor/scan", method: .post, headers: fixture.headers(.trader)) { (response: TestResponse) async throws in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/supervisor/scan", method: .post, headers: fixture.headers(.admin)) { (response: TestResponse) async throws in
                #expect(response.status == .serviceUnavailable, "the test server runs no supervisor")
            }

            let changes = try await fixture.store.reconcileAlerts(
                [AlertObservation(fingerprint: "check:memory", level: .warning, source: .health, title: "memory DEGRADED", message: "90 %")],
                sources: [.health], at: Timestamp(millisecondsSinceEpoch: 1000))
            let id = try #require(changes.raised.first?.id)
            try await client.execute(uri: "/api/v1/supervisor/alerts", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                let alerts = try response.json["alerts"] as? [[String: Any]]
                #expect(alerts?.count == 1 && alerts?.first?["level"] as? String == "WARNING" && alerts?.first?["count"] as? Int == 1)
            }
            try await client.execute(uri: "/api/v1/supervisor/alerts/\(id)/ack", method: .post, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/supervisor/alerts/\(id)/ack", method: .post, headers: fixture.headers(.trader)) { (response: TestResponse) async throws in
                #expect(try response.status == .ok && (response.json["acknowledged_by"] as? String)?.hasPrefix("api key") == true)
            }
            try await client.execute(uri: "/api/v1/supervisor/alerts/9999/ack", method: .post, headers: fixture.headers(.trader)) { (response: TestResponse) async throws in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/supervisor/alerts/abc/ack", method: .post, headers: fixture.headers(.trader)) { (response: TestResponse) async throws in
                #expect(response.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/supervisor/alerts?include_resolved=maybe", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("a sweep now answers both documents of the sweep the supervisor ran, as the two GET routes serve them")
    func sweepNow() async throws {
        let sweep = StoredSweep(time: Timestamp(millisecondsSinceEpoch: 0), score: 73,
                                health: #"{"time":"1970-01-01T00:00:00Z","status":"DEGRADED","elapsed_ms":1.5,"checks":[{"name":"memory","status":"DEGRADED","value":91.5,"threshold":"warn ≥ 90 %","message":"high","elapsed_ms":0.2}]}"#,
                                security: #"{"time":"1970-01-01T00:00:00Z","score":73,"deductions":[{"reason":"memory DEGRADED","points":2}],"open_alerts":{"WARNING":1},"#
                                    + #""scan":{"packages_scanned":3,"database_records":10,"database_problems":[],"findings":{"HIGH":1}}}"#)
        try await withServer(adjusting: { $0.runSweep = { sweep } }) { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await client.execute(uri: "/api/v1/supervisor/scan", method: .post, headers: fixture.headers(.admin)) { (response: TestResponse) async throws in
                #expect(response.status == .ok, "\(response.text)")
                #expect(try (response.json["security"] as? [String: Any])?["score"] as? Int == 73)
                #expect(try ((response.json["health"] as? [String: Any])?["checks"] as? [Any])?.count == 1)
            }
        }
    }
}
