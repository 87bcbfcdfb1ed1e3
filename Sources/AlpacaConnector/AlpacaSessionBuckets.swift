import TradingCore
import TradingEngine

/// US stock bars by the market's sessions, so that no decision lands on a closed market: only the
/// minutes of a regular session (09:30 to 16:00 New York, 13:00 on half days; none on holidays and
/// weekends) make bars. A daily bar is a whole session, stamped at midnight UTC of its date as the
/// stored daily series are; an intraday bar is its UTC-aligned slot (an hourly bar on the hour)
/// cut to the session, so the first hour of a day is 09:30–10:00 stamped 09:00 New York. A bar that
/// ends at the session's close reaches the loop at the next session's open — when an order on it can
/// be executed, holidays included (Friday's daily bar is decided on at Monday's open, or Tuesday's
/// after a holiday); any other at its end.
public struct AlpacaSessionBuckets: BarBuckets {
    public let calendar: AlpacaMarketCalendar
    public let timeframe: Timeframe

    /// Buckets of `timeframe` (1m to 1d) from `calendar`; nil for weeks.
    public init?(calendar: AlpacaMarketCalendar, timeframe: Timeframe) {
        guard timeframe != .oneWeek else { return nil }
        self.calendar = calendar
        self.timeframe = timeframe
    }

    public func bucket(containing minute: Timestamp) async throws -> BarBucket? {
        guard let session = try await calendar.session(on: NewYorkTime.date(of: minute)), minute >= session.open, minute < session.close else { return nil }
        return try await bucket(of: minute, in: session)
    }

    public func bucket(stamped openTime: Timestamp) async throws -> BarBucket? {
        if timeframe == .oneDay {
            guard openTime.millisecondsSinceEpoch % 86_400_000 == 0,
                  let session = try await calendar.session(on: CivilDate(daysSinceEpoch: openTime.millisecondsSinceEpoch / 86_400_000)) else { return nil }
            return try await bucket(of: session.open, in: session)
        }
        // An intraday stamp is its slot's start, which may precede the session's open (09:00 for 09:30–10:00).
        guard let slot = FixedBarBuckets(timeframe)?.bucket(stamped: openTime),
              let session = try await calendar.session(on: NewYorkTime.date(of: openTime)) else { return nil }
        let first = max(slot.start, session.open)
        guard first < min(slot.end, session.close) else { return nil }
        return try await bucket(of: first, in: session)
    }

    /// The bucket of a minute inside `session`.
    private func bucket(of minute: Timestamp, in session: AlpacaMarketCalendar.Session) async throws -> BarBucket {
        let stamp: Timestamp, start: Timestamp, end: Timestamp
        if timeframe == .oneDay {
            (stamp, start, end) = (Timestamp(millisecondsSinceEpoch: session.date.daysSinceEpoch * 86_400_000), session.open, session.close)
        } else {
            let slot = FixedBarBuckets(timeframe)!.bucket(containing: minute)!
            (stamp, start, end) = (slot.openTime, max(slot.start, session.open), min(slot.end, session.close))
        }
        let release = end < session.close ? end : try await calendar.nextOpen(after: session.close) ?? end
        return BarBucket(openTime: stamp, start: start, end: end, release: release)
    }
}
