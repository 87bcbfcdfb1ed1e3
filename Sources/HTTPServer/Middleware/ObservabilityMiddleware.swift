import HTTPTypes
import Hummingbird
import Logging

/// The outermost middleware: gives each request its id (echoed in `X-Request-Id`), times it,
/// counts it in the metrics by route template and status, and writes one access-log line.
///
/// The access log names method, route, path, status and duration only: never headers, query
/// strings or bodies, which is where keys could appear.
struct ObservabilityMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let metrics: HTTPMetrics

    func handle(_ request: Request, context: APIRequestContext,
                next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        if let given = request.headers[.requestID], RequestIdentifier.accepts(given) { context.requestID = given }
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // Only reached if an error escapes the problem middleware; answer it the same way.
            response = try ProblemMiddleware.problem(for: error, request: request).response(from: request, context: context)
        }
        let elapsed = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        metrics.record(method: request.method.rawValue, route: route, status: response.status.code, duration: elapsed)
        response.headers[.requestID] = context.requestID
        context.logger.info("request", metadata: [
            "method": .string(request.method.rawValue),
            "route": .string(route),
            "path": .string(request.uri.path),
            "status": .stringConvertible(response.status.code),
            "duration_ms": .string(String(format: elapsed)),
        ])
        return response
    }
}

extension HTTPField.Name {
    /// `X-Request-Id`.
    static let requestID = HTTPField.Name("X-Request-Id")!
}

extension String {
    /// Milliseconds with three decimals, from a duration.
    init(format duration: Duration) {
        let microseconds = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        let whole = microseconds / 1000
        let fraction = microseconds % 1000
        let fractionText = String(fraction)
        self = "\(whole)." + String(repeating: "0", count: 3 - fractionText.count) + fractionText
    }
}
