import Hummingbird
import Logging
import NIOCore
import TradingCore
import TradingEngine

/// Builds the HTTP router and application from the server's dependencies.
public enum APIServer {
    /// The router with every route and middleware; tests drive it in-process.
    public static func router(_ dependencies: ServerDependencies) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        // Filled once every route is added; the middleware only reads it while serving.
        let routeTable = RouteTable()
        // Middleware applies only to routes added after it, so it comes first.
        router.add(middleware: ObservabilityMiddleware(metrics: dependencies.metrics))
        router.add(middleware: ProblemMiddleware(routes: routeTable))
        // The body limit sits after authentication, so an anonymous caller cannot make the server
        // buffer bodies; routes outside /api/v1 take no body.
        let bodyLimit = BodyLimitMiddleware(maximumBytes: dependencies.settings.maximumBodyBytes)
        let viewer = AuthenticationMiddleware(authenticator: dependencies.authenticator, requiredRole: .viewer)

        let health = dependencies.settings.openHealth ? router.group() : router.group().add(middleware: viewer)
        let metrics = dependencies.settings.openMetrics ? router.group() : router.group().add(middleware: viewer)
        OperationsRoutes.register(health: health, metrics: metrics, dependencies: dependencies)

        let document = OpenAPIDocument.make(version: dependencies.settings.version, openHealth: dependencies.settings.openHealth,
                                            openMetrics: dependencies.settings.openMetrics)
        let documentBytes = document.prettySerialized()
        let page = Array(DocumentationPage.render(document).utf8)
        router.get("/openapi.json") { _, _ in JSONResponse.make(bytes: documentBytes) }
        router.get("/docs") { _, _ in JSONResponse.make(bytes: page, contentType: "text/html; charset=utf-8") }

        let api = router.group("/api/v1")
        MarketRoutes.register(on: api.group().add(middleware: viewer).add(middleware: bodyLimit), dependencies: dependencies)
        VenueRoutes.register(on: api.group().add(middleware: viewer).add(middleware: bodyLimit), dependencies: dependencies)
        PortfolioRoutes.register(on: api.group().add(middleware: viewer).add(middleware: bodyLimit), dependencies: dependencies)
        PredictionRoutes.register(on: api.group().add(middleware: viewer).add(middleware: bodyLimit), dependencies: dependencies)
        let trader = AuthenticationMiddleware(authenticator: dependencies.authenticator, requiredRole: .trader)
        TradingRoutes.register(viewer: api.group().add(middleware: viewer).add(middleware: bodyLimit),
                               trader: api.group().add(middleware: trader).add(middleware: bodyLimit), dependencies: dependencies)
        BacktestRoutes.register(viewer: api.group().add(middleware: viewer).add(middleware: bodyLimit),
                                trader: api.group().add(middleware: trader).add(middleware: bodyLimit), dependencies: dependencies)
        let admin = AuthenticationMiddleware(authenticator: dependencies.authenticator, requiredRole: .admin)
        SecurityRoutes.register(viewer: api.group().add(middleware: viewer).add(middleware: bodyLimit),
                                trader: api.group().add(middleware: trader).add(middleware: bodyLimit),
                                admin: api.group().add(middleware: admin).add(middleware: bodyLimit), dependencies: dependencies)
        FeedbackRoutes.register(viewer: api.group().add(middleware: viewer).add(middleware: bodyLimit),
                                trader: api.group().add(middleware: trader).add(middleware: bodyLimit),
                                admin: api.group().add(middleware: admin).add(middleware: bodyLimit), dependencies: dependencies)
        APIKeyRoutes.register(on: api.group().add(middleware: admin).add(middleware: bodyLimit), dependencies: dependencies)
        routeTable.load(router.routes.map { ($0.method.rawValue, $0.path.description) })
        return router
    }

    /// The router of a process that serves no API (a worker, a scheduler): `/health/live`,
    /// `/health/ready` and `/metrics` only, with the same middleware and access rules.
    public static func operationsRouter(_ dependencies: ServerDependencies) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        let routeTable = RouteTable()
        router.add(middleware: ObservabilityMiddleware(metrics: dependencies.metrics))
        router.add(middleware: ProblemMiddleware(routes: routeTable))
        let viewer = AuthenticationMiddleware(authenticator: dependencies.authenticator, requiredRole: .viewer)
        let health = dependencies.settings.openHealth ? router.group() : router.group().add(middleware: viewer)
        let metrics = dependencies.settings.openMetrics ? router.group() : router.group().add(middleware: viewer)
        OperationsRoutes.register(health: health, metrics: metrics, dependencies: dependencies)
        routeTable.load(router.routes.map { ($0.method.rawValue, $0.path.description) })
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
