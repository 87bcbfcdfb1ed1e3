import FeedbackLoop
import Foundation
@testable import HTTPServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Prometheus
import SecuritySupervisor
import Synchronization
import Testing
import TradingCore
import TradingEngine

@Suite("System signatures through the API")
struct SignatureAPITests {
    /// A cell of `operations`, `failed` of them failed, at 2 ms but every tenth at `slowMilliseconds`.
    static func cell(kind: SystemSubjectKind, subject: String, observer: String = "h/api:8080", hour: Int, load: Int, operations: Int, failed: Int,
                     slowMilliseconds: Double = 20, updatedAt: Timestamp) -> StoredSignatureCell {
        var cell = SystemSignatureCell()
        for index in 0..<operations { cell.add(milliseconds: index % 10 == 0 ? slowMilliseconds : 2, failed: index < failed) }
        return StoredSignatureCell(kind: kind, subject: subject, observer: observer, slot: SystemSignature.Slot(hour: hour, load: load), cell: cell, updatedAt: updatedAt)
    }

    @Test("signatures come worst first with their hours, loads and open anomalies; a kind filters; a bad kind or limit is refused")
    func signaturesWorstFirst() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let now = fixture.dependencies.clock.now()
            let weekAgo = now.adding(milliseconds: -7 * 86_400_000)
            try await fixture.store.saveSystemSignatureCells([
                Self.cell(kind: .route, subject: "GET /api/v1/status", hour: 3, load: 6, operations: 1_000, failed: 0, updatedAt: now),
                Self.cell(kind: .route, subject: "GET /api/v1/status", observer: "h2/api:8081", hour: 14, load: 7, operations: 1_000, failed: 0,
                          slowMilliseconds: 200, updatedAt: weekAgo),
                Self.cell(kind: .venue, subject: "binance GET /api/v3/time", hour: 3, load: 2, operations: 100, failed: 10, updatedAt: now),
                Self.cell(kind: .job, subject: "backtest", hour: 3, load: 0, operations: 10, failed: 0, slowMilliseconds: 900, updatedAt: now),
            ])
            _ = try await fixture.store.reconcileAlerts([AlertObservation(fingerprint: "signature:venue:binance GET /api/v3/time", level: .error, source: .signature,
                                                                          title: "venue binance GET /api/v3/time: errors out of its signature", message: "10 of 40 failed")],
                                                        sources: [.signature], observer: AlertObserver(host: "h", role: "run:8080"), at: now)
            let body = try await client.execute(uri: "/api/v1/feedback/signatures", method: .get, headers: fixture.headers(.viewer)) { response in
                #expect(response.status == .ok)
                return try response.json
            }
            let signatures = try #require(body["signatures"] as? [[String: Any]])
            #expect(signatures.map { $0["subject"] as? String } == ["binance GET /api/v3/time", "backtest", "GET /api/v1/status"],
                    "the failing venue first, then the slowest p99")
            #expect(body["subjects"] as? Int == 3 && body["half_life_days"] as? Int == 7)
            let venue = signatures[0]
            #expect(abs((venue["success_rate"] as? Double ?? 0) - 0.9) < 1e-12)
            let anomalies = try #require(venue["anomalies"] as? [[String: Any]])
            #expect(anomalies.map { $0["level"] as? String } == ["ERROR"] && anomalies.first?["role"] as? String == "run:8080")
            let status = signatures[2]
            #expect(status["observers"] as? Int == 2)
            // The week-old busy-hour cell counts half.
            #expect(abs((status["operations"] as? Double ?? 0) - 1_500) < 1e-6)
            let hours = try #require(status["by_hour"] as? [[String: Any]])
            #expect(hours.map { $0["hour"] as? Int } == [3, 14])
            #expect((hours[1]["p95_ms"] as? Double ?? 0) > (hours[0]["p95_ms"] as? Double ?? .infinity))
            let loads = try #require(status["by_load"] as? [[String: Any]])
            #expect(loads.map { $0["level"] as? Int } == [6, 7])
            #expect(loads.first?["operations_per_minute_from"] as? Double == 32 && loads.first?["operations_per_minute_to"] as? Double == 64)

            let jobs = try await client.execute(uri: "/api/v1/feedback/signatures?kind=job&limit=1", method: .get, headers: fixture.headers(.viewer)) { try $0.json }
            #expect((jobs["signatures"] as? [[String: Any]])?.map { $0["subject"] as? String } == ["backtest"])
            for bad in ["kind=queue", "limit=0", "limit=1001", "colour=red"] {
                try await client.execute(uri: "/api/v1/feedback/signatures?\(bad)", method: .get, headers: fixture.headers(.viewer)) { response in
                    #expect(response.status == .badRequest, "\(bad)")
                }
            }
            try await client.execute(uri: "/api/v1/feedback/signatures", method: .get, headers: fixture.headers(nil)) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test("every answer is counted for its route's signature, a 5xx as a failure", arguments: [(200, false), (404, false), (503, true)])
    func answersAreObserved(status: Int, failed: Bool) {
        let time = Mutex(Timestamp(millisecondsSinceEpoch: 0))
        let observations = SystemObservations(windowSeconds: 60, clock: { time.withLock { $0 } })
        let metrics = HTTPMetrics(registry: PrometheusCollectorRegistry(), observations: observations)
        metrics.record(method: "GET", route: "/api/v1/portfolio", status: status, duration: .milliseconds(3))
        time.withLock { $0 = Timestamp(millisecondsSinceEpoch: 60_000) }
        let windows = observations.takeClosedWindows()
        #expect(windows.map(\.subject) == ["GET /api/v1/portfolio"])
        #expect(windows.first?.kind == .route && windows.first?.cell.errors == (failed ? 1 : 0))
        #expect(windows.first?.cell.latency.quantileMilliseconds(0.5) == LatencyHistogram.upperBoundsMilliseconds[LatencyHistogram.bucket(milliseconds: 3)])
    }
}
