import Hummingbird
import Logging
import NIOCore
import TradingCore
import TradingEngine

/// Builds the HTTP router and application from the server's dependencies.
public enum APIServer {
    /// The route groups of the API, in the order the document lists them (after the operations
    /// routes and the documentation).
    static let apiGroups: [any RouteGroup.Type] = [
        DashboardRoutes.self, EventRoutes.self, MarketRoutes.self, VenueRoutes.self, PortfolioRoutes.self, PredictionRoutes.self, TradingRoutes.self, BacktestRoutes.self,
        SecurityRoutes.self, FeedbackRoutes.self, APIKeyRoutes.self,
    ]

    /// Every route the API serves, the documentation routes included, whose document is
    /// assembled from every route's operation.
    static func routes(_ dependencies: ServerDependencies) -> [APIRoute] {
        let operations = OperationsRoutes.routes(dependencies), api = apiGroups.flatMap { $0.routes(dependencies) }
        return operations + DocumentationRoutes.routes(document: document(dependencies, operations: operations, api: api)) + api
    }

    /// The OpenAPI document the API serves with these dependencies' settings.
    public static func openAPIDocument(_ dependencies: ServerDependencies) -> JSONValue {
        document(dependencies, operations: OperationsRoutes.routes(dependencies), api: apiGroups.flatMap { $0.routes(dependencies) })
    }

    private static func document(_ dependencies: ServerDependencies, operations: [APIRoute], api: [APIRoute]) -> JSONValue {
        OpenAPIDocument.make(version: dependencies.settings.version,
                             operations: operations.map(\.operation) + DocumentationRoutes.operations + api.map(\.operation),
                             schemas: OperationsRoutes.schemas + apiGroups.flatMap { $0.schemas })
    }

    /// The router with every route and middleware; tests drive it in-process.
    public static func router(_ dependencies: ServerDependencies) -> Router<APIRequestContext> {
        router(routes(dependencies), dependencies: dependencies)
    }

    /// The router of a process that serves no API (a worker, a scheduler): `/health/live`,
    /// `/health/ready` and `/metrics` only, with the same middleware and access rules.
    public static func operationsRouter(_ dependencies: ServerDependencies) -> Router<APIRequestContext> {
        router(OperationsRoutes.routes(dependencies), dependencies: dependencies)
    }

    /// A router serving `routes`, each at its operation's method and path behind its role.
    private static func router(_ routes: [APIRoute], dependencies: ServerDependencies) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        // Middleware applies only to routes added after it, so it comes first.
        router.add(middleware: ObservabilityMiddleware(metrics: dependencies.metrics))
        router.add(middleware: ProblemMiddleware(routes: RouteTable(routes.map { ($0.operation.method.rawValue, $0.operation.path) })))
        // The body limit sits after authentication, so an anonymous caller cannot make the server
        // buffer bodies; open routes take no body.
        let bodyLimit = BodyLimitMiddleware(maximumBytes: dependencies.settings.maximumBodyBytes)
        var groups: [String: RouterGroup<APIRequestContext>] = [:]
        for route in routes {
            let operation = route.operation
            if let role = operation.role {
                let name = "\(operation.authentication) \(role.rawValue)"
                let group = groups[name] ?? {
                    switch operation.authentication {
                    case .bearer:
                        router.group().add(middleware: AuthenticationMiddleware(authenticator: dependencies.authenticator, requiredRole: role))
                            .add(middleware: bodyLimit)
                    case .session:
                        router.group().add(middleware: SessionMiddleware(dependencies: dependencies, requiredRole: role)).add(middleware: bodyLimit)
                    }
                }()
                groups[name] = group
                group.on(RouterPath(operation.path), method: operation.method, use: route.handler)
            } else {
                router.on(RouterPath(operation.path), method: operation.method, use: route.handler)
            }
        }
        return router
    }

    /// The operations-only application of a worker or scheduler on a host and port.
    public static func operationsApplication(_ dependencies: ServerDependencies, host: String, port: Int, logger: Logger,
                                             onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(router: operationsRouter(dependencies),
                    configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "trading-orchestrator"),
                    onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
                    logger: logger)
    }

    /// The application listening on a host and port.
    public static func application(
        _ dependencies: ServerDependencies, host: String, port: Int, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: router(dependencies),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "trading-orchestrator"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
