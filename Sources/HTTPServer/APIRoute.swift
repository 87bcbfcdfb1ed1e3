import Hummingbird

/// A route: its OpenAPI operation and the handler that serves it. Route groups return their
/// routes; the server registers each at its operation's method and path behind its role, and
/// assembles the OpenAPI document from the same list.
struct APIRoute: Sendable {
    /// What the document says about it.
    let operation: APIOperation
    /// The handler.
    let handler: @Sendable (Request, APIRequestContext) async throws -> Response

    /// A route serving `operation` with `handler`.
    init(_ operation: APIOperation, handler: @escaping @Sendable (Request, APIRequestContext) async throws -> Response) {
        self.operation = operation
        self.handler = handler
    }
}
