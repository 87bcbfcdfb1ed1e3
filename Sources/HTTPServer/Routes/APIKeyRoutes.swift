import Foundation
import HTTPTypes
import Hummingbird
import TradingCore
import TradingEngine

/// Key management under `/api/v1/apikeys` (admin role).
enum APIKeyRoutes: RouteGroup {
    /// The body of `POST /api/v1/apikeys`.
    struct CreateRequest: Decodable {
        let name: String
        let role: APIKeyRole
    }

    static func routes(_ dependencies: ServerDependencies) -> [APIRoute] {
        let issuer = APIKeyIssuer(store: dependencies.store, clock: dependencies.clock)
        return [
            APIRoute(APIOperation(
                .get, "/api/v1/apikeys", id: "listAPIKeys", tag: .access, summary: "List API keys", role: .admin,
                description: "Every key with its role and state; never the key itself.",
                success: .json("The keys.", Schema.ref("APIKeyList")), problems: [.invalidParameter])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                let keys = try await dependencies.store.apiKeys()
                return JSONResponse.make(["api_keys": .array(keys.map(Representations.apiKey))])
            },
            APIRoute(APIOperation(
                .post, "/api/v1/apikeys", id: "createAPIKey", tag: .access, summary: "Create an API key", role: .admin,
                description: "Creates a key and returns it once, in `key`; only its hash is stored.",
                requestBody: Schema.ref("APIKeyCreate"),
                success: .json("The new key, with the secret in `key`.", Schema.ref("APIKeyCreated"), status: .created),
                problems: [.malformedJSON, .unsupportedMediaType, .payloadTooLarge])
            ) { request, _ in
                _ = try QueryValidator(request, allowed: [])
                let body = try await decodeJSON(CreateRequest.self, from: request)
                let issued: (key: String, record: APIKeyRecord)
                do {
                    issued = try await issuer.issue(name: body.name, role: body.role)
                } catch let error as APIKeyNameError {
                    throw ProblemDetails(.malformedJSON, detail: error.description, fieldErrors: [("name", error.description)])
                }
                return JSONResponse.make(Representations.createdAPIKey(issued.record, key: issued.key), status: .created)
            },
            APIRoute(APIOperation(
                .delete, "/api/v1/apikeys/{id}", id: "revokeAPIKey", tag: .access, summary: "Revoke an API key", role: .admin,
                description: "Revokes a key; it stops working at once on this server and within the key-cache lifetime on others.",
                parameters: [Schema.path("id", "The key id.", Schema.identifier)],
                success: .json("The revoked key.", Schema.ref("APIKey")), problems: [.invalidParameter, .notFound])
            ) { request, context in
                _ = try QueryValidator(request, allowed: [])
                guard let id = context.parameters.get("id", as: Int64.self) else {
                    throw ProblemDetails.invalidParameter("id", "must be an integer key id")
                }
                guard let record = try await dependencies.store.revokeAPIKey(id: id, at: dependencies.clock.now()) else {
                    throw ProblemDetails(.notFound, detail: "no API key has id \(id)")
                }
                dependencies.authenticator.invalidateAll()
                return JSONResponse.make(Representations.apiKey(record))
            },
        ]
    }

    /// The schemas of these routes' bodies.
    static let schemas: [(String, JSONValue)] = {
        let properties: [(String, JSONValue)] = [
            ("id", Schema.identifier), ("name", Schema.string), ("role", Schema.enumeration(APIKeyRole.self)),
            ("prefix", ["type": "string", "description": "The first characters of the key, to recognise it."]),
            ("created_at", Schema.dateTime), ("revoked_at", Schema.nullableDateTime), ("active", Schema.boolean),
        ]
        return [
            ("APIKey", Schema.object(properties)),
            ("APIKeyList", Schema.object([("api_keys", Schema.array(Schema.ref("APIKey")))])),
            ("APIKeyCreate", Schema.object([
                ("name", ["type": "string", "minLength": 1, "maxLength": .int(APIKeyIssuer.maximumNameLength), "pattern": "\\S",
                          "description": "A label; leading and trailing spaces are removed, and it must not be blank."]),
                ("role", Schema.enumeration(APIKeyRole.self)),
            ])),
            ("APIKeyCreated", Schema.object(properties + [("key", ["type": "string", "description": "The secret key. Shown only now."])])),
        ]
    }()

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
