import TradingCore

/// What the kline feed has done, for the console, `GET /api/v1/venues` and `/metrics`.
public actor BinanceFeedStatistics {
    /// A snapshot.
    public struct Snapshot: Sendable, Hashable {
        public let connected: Bool
        public let connections: Int
        public let reconnects: Int
        public let gapsHealed: Int
        public let barsHealed: Int
        public let barsEmitted: Int
        public let malformedFrames: Int
        /// Closed klines received again or out of order (dropped).
        public let duplicateFrames: Int
        public let plannedReconnects: Int
        public let serverShutdowns: Int
        /// The newest emitted bar's close time.
        public let newestBarClose: Timestamp?
        public let lastError: String?
    }

    private var connected = false
    private var connections = 0
    private var gapsHealed = 0
    private var barsHealed = 0
    private var barsEmitted = 0
    private var malformedFrames = 0
    private var duplicateFrames = 0
    private var plannedReconnects = 0
    private var serverShutdowns = 0
    private var newestBarClose: Timestamp?
    private var lastError: String?

    /// Creates empty statistics.
    public init() {}

    /// The numbers now.
    public var snapshot: Snapshot {
        Snapshot(connected: connected, connections: connections, reconnects: max(0, connections - 1), gapsHealed: gapsHealed, barsHealed: barsHealed,
                 barsEmitted: barsEmitted, malformedFrames: malformedFrames, duplicateFrames: duplicateFrames, plannedReconnects: plannedReconnects,
                 serverShutdowns: serverShutdowns, newestBarClose: newestBarClose, lastError: lastError)
    }

    func didConnect() {
        connected = true
        connections += 1
    }

    func didDisconnect(_ reason: String) {
        connected = false
        lastError = reason
    }

    func didEmit(closeTime: Timestamp, healed: Bool) {
        barsEmitted += 1
        if healed { barsHealed += 1 }
        newestBarClose = max(newestBarClose ?? closeTime, closeTime)
    }

    func didHealGap() { gapsHealed += 1 }
    func didReceiveMalformed(_ reason: String) {
        malformedFrames += 1
        lastError = reason
    }
    func didDropDuplicate() { duplicateFrames += 1 }
    func didPlanReconnect() { plannedReconnects += 1 }
    func didReceiveShutdown() { serverShutdowns += 1 }
}
