import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

@Suite("Worker and scheduler endpoints", .serialized)
struct RoleEndpointTests {
    @Test("worker --port and scheduler --port serve health and metrics, no API, and stop cleanly on SIGTERM", arguments: [["worker"], ["scheduler"]])
    func operationsOnly(role: [String]) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (process, text) = try await CommandLineTests.start(role + ["--port", "0", "--data-dir", directory.path], until: "Metrics:")
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("Metrics:") }, "\(text)")
        let port = try #require(line.firstMatch(of: /127\.0\.0\.1:(\d+)/)?.output.1)
        let (metrics, metricsResponse) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
        #expect((metricsResponse as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: metrics, as: UTF8.self).contains("process_resident_memory_bytes"))
        let (_, ready) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/health/ready")!)
        #expect((ready as? HTTPURLResponse)?.statusCode == 200)
        let (_, api) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/api/v1/system/status")!)
        #expect((api as? HTTPURLResponse)?.statusCode == 404, "a worker or scheduler serves no API")
        process.terminate()
        await process.exited()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }
}
