import Hummingbird
import Logging
import NIOCore

/// Turns every error a handler or the router throws into an `application/problem+json` response,
/// so no error leaves the server as an empty body, a stack trace or an internal path.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    /// The served routes, to tell "no such path" (404) from "not with this method" (405).
    let routes: RouteTable

    func handle(_ request: Request, context: APIRequestContext,
                next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var problem = Self.problem(for: error, request: request)
            if problem.kind == .notFound, context.endpointPath == nil || context.endpointPath == "NotFound" {
                let methods = routes.methods(forPath: request.uri.path)
                if !methods.isEmpty {
                    problem = ProblemDetails(.methodNotAllowed, detail: "\(request.uri.path) does not take \(request.method.rawValue); it takes \(methods.joined(separator: ", "))")
                    problem.allowedMethods = methods
                }
            }
            if problem.kind == .internalError {
                // The cause goes to the log (found by request id), never to the client.
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error))): \(error)"])
            }
            return try problem.response(from: request, context: context)
        }
    }

    static func problem(for error: any Error, request: Request) -> ProblemDetails {
        switch error {
        case let problem as ProblemDetails:
            return problem
        case is NIOTooManyBytesError:
            return ProblemDetails(.payloadTooLarge, detail: "the request body is larger than the configured limit")
        case let error as HTTPError:
            switch error.status {
            case .notFound:
                return ProblemDetails(.notFound, detail: "no route for \(request.method.rawValue) \(request.uri.path)")
            case .contentTooLarge:
                return ProblemDetails(.payloadTooLarge, detail: "the request body is larger than the configured limit")
            case .unsupportedMediaType:
                return ProblemDetails(.unsupportedMediaType, detail: "the body must be application/json")
            case .unauthorized:
                return ProblemDetails(.unauthorized, detail: "authentication required")
            case .forbidden:
                return ProblemDetails(.forbidden, detail: "not allowed")
            case let status where (400..<500).contains(status.code):
                return ProblemDetails(.badRequest, detail: error.body ?? status.reasonPhrase)
            default:
                return ProblemDetails(.internalError, detail: "the server could not complete the request")
            }
        case let error as DecodingError:
            return ProblemDetails(.malformedJSON, detail: error.clientDescription)
        default:
            return ProblemDetails(.internalError, detail: "the server could not complete the request")
        }
    }
}
