import TradingCore

/// A group of routes: its routes with their operations, and the schemas its operations refer to.
protocol RouteGroup: Sendable {
    /// The routes, built on the server's dependencies.
    static func routes(_ dependencies: ServerDependencies) -> [APIRoute]
    /// The schemas its operations refer to, by name.
    static var schemas: [(String, JSONValue)] { get }
}
