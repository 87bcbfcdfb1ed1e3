import FeedbackLoop
import TradingCore

/// Where things happened, read after a cursor: the event stream of the API and the dashboard polls
/// the store with it, so any process sharing the database streams what any other one did.
public protocol ActivityStore: Sendable {
    /// Where the activity of `account` stands now: a stream that starts here sends only what is new.
    func latestActivity(account: String) async throws -> ActivityCursor
    /// Equity marks of `account` with a bar index above `barIndex`, oldest first, at most `limit`.
    func equityPoints(account: String, afterBarIndex barIndex: Int, limit: Int) async throws -> [EquityPoint]
    /// Fills of `account` after the fill `(time, fillID)` in (time, fill id) order, at most `limit`.
    func tradingFills(account: String, afterTime time: Int64, fillID: String, limit: Int) async throws -> [BookedFill]
    /// The gate's alerts of `account` with an id above `id`, oldest first, with their ids.
    func tradingAlerts(account: String, afterID id: Int64, limit: Int) async throws -> [(id: Int64, alert: StoredAlert)]
    /// Learning signals with an id above `id`, oldest first, with their ids.
    func learningSignals(afterID id: Int64, limit: Int) async throws -> [(id: Int64, signal: LearningSignal)]
    /// Orders of `account` inserted or changed after change number `sequence`, in the order written, with their numbers.
    func tradingOrderChanges(account: String, afterSequence sequence: Int64, limit: Int) async throws -> [(sequence: Int64, order: StoredOrder)]
}

/// A position in every source of events; what an event's id carries, so that a reconnecting
/// client resumes where it stopped.
public struct ActivityCursor: Sendable, Hashable, Codable {
    /// The newest equity mark's bar index sent (-1: none).
    public var barIndex: Int
    /// The newest fill sent: its time (milliseconds) and id.
    public var fillTime: Int64
    public var fillID: String
    /// The newest gate alert's id sent.
    public var tradingAlertID: Int64
    /// The newest supervisor alert's id sent.
    public var securityAlertID: Int64
    /// The newest learning signal's id sent.
    public var signalID: Int64
    /// The newest order change's number sent.
    public var orderSequence: Int64

    /// A cursor.
    public init(barIndex: Int, fillTime: Int64, fillID: String, tradingAlertID: Int64, securityAlertID: Int64, signalID: Int64, orderSequence: Int64) {
        self.barIndex = barIndex
        self.fillTime = fillTime
        self.fillID = fillID
        self.tradingAlertID = tradingAlertID
        self.securityAlertID = securityAlertID
        self.signalID = signalID
        self.orderSequence = orderSequence
    }

    private enum CodingKeys: String, CodingKey {
        case barIndex = "b", fillTime = "ft", fillID = "f", tradingAlertID = "t", securityAlertID = "a", signalID = "s", orderSequence = "o"
    }

    /// Reads a cursor; one written before order changes were streamed starts them at 0 (every order's newest state).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(barIndex: try container.decode(Int.self, forKey: .barIndex), fillTime: try container.decode(Int64.self, forKey: .fillTime),
                  fillID: try container.decode(String.self, forKey: .fillID), tradingAlertID: try container.decode(Int64.self, forKey: .tradingAlertID),
                  securityAlertID: try container.decode(Int64.self, forKey: .securityAlertID), signalID: try container.decode(Int64.self, forKey: .signalID),
                  orderSequence: try container.decodeIfPresent(Int64.self, forKey: .orderSequence) ?? 0)
    }
}
