import Logging
import SecuritySupervisor
import TradingCore
import TradingEngine

/// What the HTTP server needs from the rest of the system, built by the composition root.
public struct ServerDependencies: Sendable {
    /// The store.
    public let store: any Store
    /// Where the security supervisor keeps alerts and sweeps (the same database).
    public let securityStore: any SecurityAlertStore
    /// Checks API keys.
    public let authenticator: APIKeyAuthenticator
    /// The metrics registry and request metrics.
    public let metrics: HTTPMetrics
    /// The source of "now".
    public let clock: any TradingClock
    /// Behaviour settings.
    public let settings: ServerSettings
    /// Runs a security sweep now and returns it (nil when this process runs no supervisor).
    public var runSweep: (@Sendable () async throws -> StoredSweep)?
    /// The live feed and venue of this process (nil: it runs none).
    public var venueStatus: (@Sendable () async -> VenueStatus?)?
    /// The process's one reader of each followed account's events.
    let events: EventHub
    /// Computed forecasts and regimes, kept while their bars are unchanged.
    let predictions: PredictionCaches
    /// The feedback routes' documents, kept per revision of the learned state.
    let feedbackDocuments: ComputationCache<FeedbackSummaries.Key, [UInt8]>
    /// How long the feedback documents have been served behind the learned state (three minutes
    /// allowed: three turns of the loop at its default interval).
    var feedbackStaleness = StaleDocumentWatch(limit: .seconds(180))

    /// Creates the dependencies.
    public init(store: any Store & SecurityAlertStore, authenticator: APIKeyAuthenticator, metrics: HTTPMetrics, clock: any TradingClock,
                settings: ServerSettings) {
        self.store = store
        securityStore = store
        self.authenticator = authenticator
        self.metrics = metrics
        self.clock = clock
        self.settings = settings
        events = EventHub(store: store, securityStore: store)
        predictions = PredictionCaches(capacityBytes: settings.predictionCacheBytes, registry: metrics.registry)
        // The learned state's revision only rises: a document of an older one is dead once a newer one is kept.
        feedbackDocuments = ComputationCache(name: "feedback", capacityBytes: 16 << 20, registry: metrics.registry) { key in
            var family = key
            family.revision = 0
            return .init(family: family, generation: key.revision)
        }
    }
}

/// HTTP behaviour chosen by configuration.
public struct ServerSettings: Sendable {
    /// The product version shown by the status route and the OpenAPI document.
    public let version: String
    /// The largest request body accepted, in bytes.
    public let maximumBodyBytes: Int
    /// Whether `/health/*` answers without a key.
    public let openHealth: Bool
    /// Whether `/metrics` answers without a key.
    public let openMetrics: Bool
    /// The instant the server started.
    public let startedAt: Timestamp
    /// Signs the dashboard's session cookies.
    public let sessions: SessionCodec
    /// How long a dashboard session lasts.
    public let sessionLifetimeSeconds: Int
    /// The memory bound of the computed forecasts and regimes kept for the prediction routes.
    public let predictionCacheBytes: Int
    /// Days after which an observation counts half in a system signature.
    public let signatureHalfLifeDays: Int

    /// Creates settings; without a session secret, sessions are signed with a random one of this
    /// process (they end when it stops and no other process accepts them).
    public init(version: String, maximumBodyBytes: Int, openHealth: Bool, openMetrics: Bool, startedAt: Timestamp,
                sessionSecret: [UInt8]? = nil, sessionLifetimeSeconds: Int = 43_200, predictionCacheBytes: Int = 64 << 20,
                signatureHalfLifeDays: Int = 7) {
        self.signatureHalfLifeDays = signatureHalfLifeDays
        self.version = version
        self.maximumBodyBytes = maximumBodyBytes
        self.openHealth = openHealth
        self.openMetrics = openMetrics
        self.startedAt = startedAt
        sessions = SessionCodec(secret: sessionSecret ?? SessionCodec.randomSecret())
        self.sessionLifetimeSeconds = sessionLifetimeSeconds
        self.predictionCacheBytes = predictionCacheBytes
    }
}
