import Foundation
import HTTPServer
import Hummingbird
import HummingbirdTesting
import Testing
import TradingCore

@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    @Test("describes exactly the routes the router serves")
    func matchesRoutes() async throws {
        let fixture = try await ServerFixture.make()
        let router = APIServer.router(fixture.dependencies)
        let registered = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        let document = APIServer.openAPIDocument(fixture.dependencies)
        await fixture.close()
        var documented = Set<String>()
        for path in document["paths"]?.objectKeys ?? [] {
            for method in document["paths"]?[path]?.objectKeys ?? [] { documented.insert("\(method.uppercased()) \(path)") }
        }
        #expect(registered == documented)
        // Each served once: a route registered twice would leave one of its handlers unreachable.
        #expect(router.routes.count == registered.count && registered.count >= 40)
    }

    @Test("every operation documents its errors and every reference resolves")
    func operationsAreComplete() async throws {
        let fixture = try await ServerFixture.make()
        let document = APIServer.openAPIDocument(fixture.dependencies)
        await fixture.close()
        #expect(document["openapi"] == "3.1.0")
        let text = String(decoding: document.serialized(), as: UTF8.self)
        let schemas = Set(document["components"]?["schemas"]?.objectKeys ?? [])
        let responses = Set(document["components"]?["responses"]?.objectKeys ?? [])
        let pattern = try Regex(#"#/components/(schemas|responses)/([A-Za-z]+)"#)
        for match in text.matches(of: pattern) {
            let kind = String(match.output[1].substring!), name = String(match.output[2].substring!)
            #expect((kind == "schemas" ? schemas : responses).contains(name), "dangling reference \(kind)/\(name)")
        }
        for path in document["paths"]?.objectKeys ?? [] {
            for method in document["paths"]?[path]?.objectKeys ?? [] {
                let operation = try #require(document["paths"]?[path]?[method])
                let codes = operation["responses"]?.objectKeys ?? []
                #expect(codes.contains("500"), "\(method) \(path) lacks 500")
                if path.hasPrefix("/api/") { #expect(codes.contains("401") && codes.contains("403"), "\(method) \(path)") }
                #expect(operation["operationId"]?.stringValue != nil)
            }
        }
    }

    @Test("is served as JSON and rendered as an offline HTML page")
    func servedDocuments() async throws {
        try await withServer { (_: ServerFixture, client: any TestClientProtocol) async throws in
            try await client.execute(uri: "/openapi.json", method: .get) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                #expect(try response.json["openapi"] as? String == "3.1.0")
            }
            try await client.execute(uri: "/docs", method: .get) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let html = response.text
                #expect(html.contains("/api/v1/market/bars") && html.contains("problem-invalid-parameter"))
                #expect(!html.contains("<script") && !html.contains("https://"))
            }
        }
    }
}
