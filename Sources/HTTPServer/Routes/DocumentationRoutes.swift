import Hummingbird
import TradingCore

/// `/openapi.json` and `/docs`: the document assembled from every route's operation, as JSON and
/// as a page. Open to everyone, as a client generator must read it before it has a key.
enum DocumentationRoutes {
    /// The two operations, which the document includes.
    static let operations = [
        APIOperation(.get, "/openapi.json", id: "getOpenAPI", tag: .documentation, summary: "This document", role: nil,
                     description: "The OpenAPI 3.1 document describing every route.",
                     success: .json("The OpenAPI document.", ["type": "object"]), problems: []),
        APIOperation(.get, "/docs", id: "getDocs", tag: .documentation, summary: "API documentation page", role: nil,
                     description: "A readable HTML page rendered from the OpenAPI document; works offline.",
                     success: .text("An HTML page.", contentType: "text/html"), problems: []),
    ]

    /// The routes serving `document`, rendered once.
    static func routes(document: JSONValue) -> [APIRoute] {
        let documentBytes = document.prettySerialized()
        let page = Array(DocumentationPage.render(document).utf8)
        return [
            APIRoute(operations[0]) { _, _ in JSONResponse.make(bytes: documentBytes) },
            APIRoute(operations[1]) { _, _ in JSONResponse.make(bytes: page, contentType: "text/html; charset=utf-8") },
        ]
    }
}
