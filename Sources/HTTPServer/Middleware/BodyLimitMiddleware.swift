import Hummingbird
import NIOCore

/// Rejects bodies over the configured size with 413, before a handler reads them, and collects
/// accepted bodies so handlers can decode them.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let maximumBytes: Int

    func handle(_ request: Request, context: APIRequestContext,
                next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > maximumBytes {
            throw ProblemDetails(.payloadTooLarge, detail: "the body is \(declared) bytes; the limit is \(maximumBytes)")
        }
        var request = request
        if request.method == .post || request.method == .put || request.method == .patch {
            do {
                _ = try await request.collectBody(upTo: maximumBytes)
            } catch is NIOTooManyBytesError {
                throw ProblemDetails(.payloadTooLarge, detail: "the body is over the limit of \(maximumBytes) bytes")
            }
        }
        return try await next(request, context)
    }
}
