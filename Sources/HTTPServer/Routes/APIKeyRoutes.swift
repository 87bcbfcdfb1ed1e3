import Foundation
import HTTPTypes
import Hummingbird
import TradingCore
import TradingEngine

/// Key management under `/api/v1/apikeys` (admin role).
enum APIKeyRoutes {
    /// The body of `POST /api/v1/apikeys`.
    struct CreateRequest: Decodable {
        let name: String
        let role: APIKeyRole
    }

    static func register(on router: some RouterMethods<APIRequestContext>, dependencies: ServerDependencies) {
        let issuer = APIKeyIssuer(store: dependencies.store, clock: dependencies.clock)
        router.get("/apikeys") { request, _ in
            _ = try QueryValidator(request, allowed: [])
            let keys = try await dependencies.store.apiKeys()
            return JSONResponse.make(["api_keys": .array(keys.map(Representations.apiKey))])
        }
        router.post("/apikeys") { request, _ in
            _ = try QueryValidator(request, allowed: [])
            let body = try await decodeJSON(CreateRequest.self, from: request)
            let issued: (key: String, record: APIKeyRecord)
            do {
                issued = try await issuer.issue(name: body.name, role: body.role)
            } catch let error as APIKeyNameError {
                throw ProblemDetails(.malformedJSON, detail: error.description, fieldErrors: [("name", error.description)])
            }
            return JSONResponse.make(Representations.createdAPIKey(issued.record, key: issued.key), status: .created)
        }
        router.delete("/apikeys/{id}") { request, context in
            _ = try QueryValidator(request, allowed: [])
            guard let id = context.parameters.get("id", as: Int64.self) else {
                throw ProblemDetails.invalidParameter("id", "must be an integer key id")
            }
            guard let record = try await dependencies.store.revokeAPIKey(id: id, at: dependencies.clock.now()) else {
                throw ProblemDetails(.notFound, detail: "no API key has id \(id)")
            }
            dependencies.authenticator.invalidateAll()
            return JSONResponse.make(Representations.apiKey(record))
        }
    }

    /// Decodes a JSON body, requiring `Content-Type: application/json`.
    static func decodeJSON<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let data = try await JSONBody.read(request)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw ProblemDetails(.malformedJSON, detail: error.clientDescription)
        }
    }
}

/// Reading request bodies.
enum JSONBody {
    /// The body's bytes, requiring `Content-Type: application/json` (an empty body passes without one when `allowEmpty`).
    static func read(_ request: Request, allowEmpty: Bool = false) async throws -> Data {
        // The body-limit middleware has already collected and bounded it.
        let buffer = try await request.body.collect(upTo: .max)
        if allowEmpty && buffer.readableBytes == 0 { return Data() }
        let contentType = request.headers[.contentType]?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard contentType == "application/json" else {
            throw ProblemDetails(.unsupportedMediaType, detail: "the body must be sent with Content-Type: application/json, got \(contentType ?? "none")")
        }
        return Data(buffer.readableBytesView)
    }
}
