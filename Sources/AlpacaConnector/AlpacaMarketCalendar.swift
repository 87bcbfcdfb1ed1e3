import TradingCore
import TradingEngine

/// The US stock market's sessions from Alpaca's `/v2/calendar` (trading days only, regular hours
/// in New York time: `09:30`–`16:00`, `13:00` on half days; holidays absent), read a window at a
/// time and kept, so that asking whether the market is open costs no request once the window is known.
public actor AlpacaMarketCalendar {
    /// One trading day's regular session.
    public struct Session: Sendable, Hashable {
        public let date: CivilDate
        public let open: Timestamp
        public let close: Timestamp
    }

    public let rest: AlpacaRESTClient
    /// Days read on each side of the asked time.
    public let window: Int64
    private var sessions: [Int64: Session] = [:]
    /// The windows read (first and last day, inclusive) and when: a window is read again after a
    /// day, so an unscheduled closure announced later is seen.
    private var windows: [(days: ClosedRange<Int64>, readAt: ContinuousClock.Instant)] = []

    /// How long a window read stays fresh before it is read again.
    public let refreshAfter: Duration

    /// Creates a calendar over the trading REST client.
    public init(rest: AlpacaRESTClient, windowDays: Int64 = 45, refreshAfter: Duration = .seconds(86_400)) {
        self.rest = rest
        window = windowDays
        self.refreshAfter = refreshAfter
    }

    /// Why the calendar could not be read.
    public struct CalendarError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The session of the New York date of `time` (nil on a day the market does not open).
    public func session(on date: CivilDate) async throws -> Session? {
        try await load(around: date.daysSinceEpoch)
        return sessions[date.daysSinceEpoch]
    }

    /// Whether the regular session is open at `time`.
    public func isOpen(at time: Timestamp) async throws -> Bool {
        guard let session = try await session(on: NewYorkTime.date(of: time)) else { return false }
        return time >= session.open && time < session.close
    }

    /// The next session's open after `time` (the current one's when it is before its open).
    public func nextOpen(after time: Timestamp) async throws -> Timestamp? {
        let day = NewYorkTime.date(of: time).daysSinceEpoch
        for offset in 0..<15 {
            if let session = try await session(on: CivilDate(daysSinceEpoch: day + Int64(offset))), session.open > time { return session.open }
        }
        return nil
    }

    /// Alpaca's `/v2/clock`: the broker's time and whether the market is open.
    public struct MarketClock: Sendable, Hashable {
        /// The broker's time when it answered.
        public let time: Timestamp
        public let isOpen: Bool
        public let nextOpen: Timestamp?
        public let nextClose: Timestamp?
    }

    /// Reads `/v2/clock`; `at` is this machine's monotonic instant halfway through the request (for a clock that follows the broker's).
    public func marketClock() async throws -> (clock: MarketClock, at: ContinuousClock.Instant) {
        let sent = ContinuousClock.now
        let body = try await rest.get("/v2/clock").body
        let received = ContinuousClock.now
        guard let time = AlpacaOrderMessages.time(body["timestamp"]), let isOpen = body["is_open"]?.bool else {
            throw CalendarError(description: "/v2/clock answered without timestamp or is_open")
        }
        return (MarketClock(time: time, isOpen: isOpen, nextOpen: AlpacaOrderMessages.time(body["next_open"]),
                            nextClose: AlpacaOrderMessages.time(body["next_close"])), sent + (received - sent) / 2)
    }

    /// Reads the window around `day` when it is not known yet, or was read more than a day ago.
    /// A stale window whose refresh fails stays in use (a network blip must not stop the bars); a
    /// day never read is an error.
    private func load(around day: Int64) async throws {
        let now = ContinuousClock.now
        let known = windows.filter { $0.days.contains(day) }
        if known.contains(where: { now - $0.readAt <= refreshAfter }) { return }
        let first = CivilDate(daysSinceEpoch: day - window), last = CivilDate(daysSinceEpoch: day + window)
        let read: [Session]
        do {
            let answer = try await rest.get("/v2/calendar", query: [("start", first.description), ("end", last.description)])
            guard let rows = answer.body.array else { throw CalendarError(description: "/v2/calendar did not answer a list") }
            read = try rows.map { row in
                guard let session = Self.session(row) else { throw CalendarError(description: "/v2/calendar: a day without date, open or close: \(row)") }
                return session
            }
        } catch {
            if !known.isEmpty { return }
            throw error
        }
        // The window's days are replaced as a whole: a day no longer listed (a new closure) goes.
        for key in first.daysSinceEpoch...last.daysSinceEpoch { sessions[key] = nil }
        for session in read { sessions[session.date.daysSinceEpoch] = session }
        let days = first.daysSinceEpoch...last.daysSinceEpoch
        windows.removeAll { $0.days.clamped(to: days) == $0.days }
        windows.append((days, now))
    }

    /// One calendar row: `date` `YYYY-MM-DD`, `open` and `close` `HH:MM` in New York time.
    static func session(_ row: AlpacaJSON) -> Session? {
        guard let dateText = row["date"]?.string, let date = civilDate(dateText),
              let open = clockTime(row["open"]?.string), let close = clockTime(row["close"]?.string) else { return nil }
        return Session(date: date, open: NewYorkTime.instant(date, hour: open.hour, minute: open.minute),
                       close: NewYorkTime.instant(date, hour: close.hour, minute: close.minute))
    }

    /// `YYYY-MM-DD`.
    static func civilDate(_ text: String) -> CivilDate? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }

    /// `HH:MM` (or `HHMM`).
    static func clockTime(_ text: String?) -> (hour: Int, minute: Int)? {
        guard let digits = text?.filter(\.isNumber), digits.count == 4, let hour = Int(digits.prefix(2)), let minute = Int(digits.suffix(2)),
              hour < 24, minute < 60 else { return nil }
        return (hour, minute)
    }
}
