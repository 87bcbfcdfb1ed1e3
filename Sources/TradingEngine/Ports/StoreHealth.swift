/// What the readiness check and the status route ask of the database.
public protocol StoreHealth: Sendable {
    /// `sqlite` or `postgresql`.
    var backendName: String { get }
    /// Runs a trivial query and returns how long the round trip took.
    func ping() async throws -> Duration
    /// The highest applied migration version.
    func schemaVersion() async throws -> Int
    /// The highest migration version this build knows.
    var latestSchemaVersion: Int { get }
    /// Connection-pool figures for metrics.
    func poolStatistics() -> StorePoolStatistics
}

/// How busy the database connections are.
public struct StorePoolStatistics: Sendable, Hashable {
    /// The most connections the pool opens.
    public let maximumConnections: Int
    /// Operations running now.
    public let operationsInFlight: Int

    /// Creates pool figures.
    public init(maximumConnections: Int, operationsInFlight: Int) {
        self.maximumConnections = maximumConnections
        self.operationsInFlight = operationsInFlight
    }
}

/// Every port the storage adapter provides.
public protocol Store: MarketDataStore, APIKeyStore, ForecastStore, FeedbackStore, TradingStore, ActivityStore, JobQueue, SchedulerStore, StoreHealth, SystemSignatureStore {
    /// Closes connections; the store is unusable afterwards.
    func close() async throws
}
