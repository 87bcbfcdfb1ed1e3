import Foundation
import HTTPServer
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import TestSupport
import Testing
import TradingCore

/// The served OpenAPI document as a contract for responses: which operation a request reached,
/// whether the response's status and media type are documented for it, and whether its JSON body
/// (success or problem) conforms to the documented schema.
struct APIContract: Sendable {
    let document: JSONNode
    let validator: JSONSchemaValidator
    /// The document's path templates split into segments (`{id}` matches any one segment).
    let templates: [(template: String, segments: [Substring])]

    /// The contracts of the configurations seen so far, each parsed once.
    private static let parsed = Mutex<[String: APIContract]>([:])

    /// The contract of the document a server with these dependencies serves.
    static func of(_ dependencies: ServerDependencies) throws -> APIContract {
        let access = "health \(dependencies.settings.openHealth), metrics \(dependencies.settings.openMetrics)"
        if let contract = parsed.withLock({ $0[access] }) { return contract }
        let contract = try APIContract(document: APIServer.openAPIDocument(dependencies))
        parsed.withLock { $0[access] = contract }
        return contract
    }

    init(document served: JSONValue) throws {
        document = try JSONNode.parse(Data(served.serialized()))
        validator = JSONSchemaValidator(document: document)
        templates = (document["paths"]?.object ?? [:]).keys.sorted().map { ($0, $0.split(separator: "/")) }
    }

    /// The documented template that `path` falls under: the one with the most literal segments.
    func template(of path: String) -> String? {
        let segments = path.split(separator: "/")
        return templates.filter { candidate in
            candidate.segments.count == segments.count
                && zip(candidate.segments, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.max { left, right in
            left.segments.filter { !$0.hasPrefix("{") }.count < right.segments.filter { !$0.hasPrefix("{") }.count
        }?.template
    }

    /// What is wrong with `response` to `method uri` by the document; empty when nothing is.
    func violations(method: HTTPRequest.Method, uri: String, response: TestResponse) -> [String] {
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
        let status = response.status.code
        let mediaType = response.headers[.contentType].map { String($0.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces) }
        let label = "\(method.rawValue) \(path) → \(status)"
        guard let template = template(of: path),
              let operation = document["paths"]?[template]?[method.rawValue.lowercased()] else {
            // A route the document does not have may only answer 404 or 405 as a problem.
            guard status == 404 || status == 405 else { return ["\(label): no documented operation for this method and path"] }
            return check(response, mediaType: mediaType, against: validator.resolve("#/components/schemas/Problem"), label: label)
        }
        let responses = operation["responses"]
        guard var entry = responses?[String(status)] ?? responses?["default"] else {
            return ["\(label): status \(status) is not documented for \(method.rawValue) \(template)"]
        }
        if let reference = entry["$ref"]?.string, let resolved = validator.resolve(reference) { entry = resolved }
        guard let content = entry["content"]?.object, !content.isEmpty else {
            return response.body.readableBytes == 0 ? [] : ["\(label): a body where the document describes none"]
        }
        guard let mediaType, let media = content[mediaType] else {
            return ["\(label): media type \(mediaType ?? "none") is not documented (documented: \(content.keys.sorted().joined(separator: ", ")))"]
        }
        return check(response, mediaType: mediaType, against: media["schema"], label: label)
    }

    private func check(_ response: TestResponse, mediaType: String?, against schema: JSONNode?, label: String) -> [String] {
        guard let mediaType, mediaType.hasSuffix("json") else { return [] }
        guard let schema else { return ["\(label): no schema for \(mediaType)"] }
        let body = Data(buffer: response.body)
        guard let value = try? JSONNode.parse(body) else { return ["\(label): the body is not JSON"] }
        return validator.violations(of: value, against: schema).map { "\(label): \($0)" }
    }
}

/// A test client that checks every response a test receives against the API's contract, and
/// records each violation as a test issue: a route added without its operation, or a body that
/// drifts from its documented schema, fails the test that sees it.
struct SchemaCheckingClient: TestClientProtocol {
    let inner: any TestClientProtocol
    let contract: APIContract

    var port: Int? { inner.port }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        let response = try await inner.executeRequest(uri: uri, method: method, headers: headers, body: body)
        // Validation is CPU work of milliseconds: on a thread of its own, never holding one of the
        // two cooperative threads that every other test's servers and time-outs share.
        let contract = contract
        let problems = try await offPool { contract.violations(method: method, uri: uri, response: response) }
        for problem in problems {
            Issue.record(Comment(rawValue: "response off its OpenAPI schema: \(problem)"))
        }
        let path = String(uri.split(separator: "?", maxSplits: 1).first ?? "")
        ContractCoverage.record(method: method.rawValue, template: contract.template(of: path), status: Int(response.status.code), contract: contract)
        return response
    }
}
