import TradingCore

/// The OpenAPI 3.1 document, assembled from the operations the routes declare beside their
/// handlers and the schemas of each route group (no generator in the build, no second list).
enum OpenAPIDocument {
    /// The document of a product version describing `operations`, with `schemas` as components.
    /// A method and path, an operationId or a schema name declared twice is a programming error
    /// (the router would serve one of the two handlers, the document would hold duplicate keys).
    static func make(version: String, operations: [APIOperation], schemas: [(String, JSONValue)]) -> JSONValue {
        precondition(Set(operations.map { "\($0.method.rawValue) \($0.path)" }).count == operations.count, "a method and path declared twice")
        precondition(Set(operations.map(\.id)).count == operations.count, "an operationId declared twice")
        precondition(Set(schemas.map(\.0) + ["Problem"]).count == schemas.count + 1, "a schema name declared twice, or one named Problem")
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "TradingOrchestrator API",
                "version": .string(version),
                "description": """
                    REST API of the TradingOrchestrator service. Routes under /api/v1 need an API key sent as \
                    `Authorization: Bearer <key>`; roles are viewer < trader < admin. Every error is \
                    application/problem+json (RFC 9457) with a stable `type`. Prices and volumes are decimal \
                    strings, times are ISO-8601 UTC.
                    """,
            ],
            "servers": [["url": "/"]],
            "security": [["bearerAuth": []]],
            "paths": .object(paths(operations)),
            "components": [
                "securitySchemes": [
                    "bearerAuth": ["type": "http", "scheme": "bearer", "description": "An API key (tok_…)."],
                    "sessionCookie": ["type": "apiKey", "in": "cookie", "name": .string(DashboardSession.cookieName),
                                      "description": "The dashboard's session, opened on /ui/sign-in with an API key (HttpOnly, SameSite=Strict)."],
                ],
                "schemas": .object([("Problem", problem)] + schemas),
                "responses": .object(ProblemDetails.Kind.allCases.map { kind in
                    (responseName(kind), [
                        "description": .string("\(kind.title): \(kind.explanation)"),
                        "content": ["application/problem+json": ["schema": Schema.ref("Problem")]],
                    ])
                }),
            ],
        ]
    }

    /// The path items: the operations grouped by path, paths in the order they are first declared.
    private static func paths(_ operations: [APIOperation]) -> [(String, JSONValue)] {
        var order: [String] = []
        var byPath: [String: [(String, JSONValue)]] = [:]
        for operation in operations {
            if byPath[operation.path] == nil { order.append(operation.path) }
            byPath[operation.path, default: []].append((operation.method.rawValue.lowercased(), operation.document))
        }
        return order.map { ($0, .object(byPath[$0]!)) }
    }

    /// The name of a problem kind's shared response, such as `InvalidParameter`.
    static func responseName(_ kind: ProblemDetails.Kind) -> String {
        kind.rawValue.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    private static let problem = Schema.object([
        ("type", ["type": "string", "description": "Stable URI of the problem kind; see the list on /docs."]),
        ("title", Schema.string),
        ("status", Schema.integer),
        ("detail", Schema.string),
        ("instance", ["type": "string", "description": "The request path."]),
        ("request_id", ["type": "string", "description": "Also in the X-Request-Id header and the server log."]),
        ("errors", Schema.array(Schema.object([("name", Schema.string), ("reason", Schema.string)]))),
    ], required: ["type", "title", "status", "detail"], description: "An RFC 9457 problem.")
}
