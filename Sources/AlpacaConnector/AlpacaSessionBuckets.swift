import TradingCore
import TradingEngine

/// Daily bars of US stocks by the market's sessions: a day's bar is the minutes of its regular
/// session (09:30 to 16:00 New York, 13:00 on half days; none on holidays and weekends), stamped
/// at midnight UTC of its date as the stored daily series are, complete at the session's close and
/// released to the loop at the next session's open — when an order on it can be executed, holidays
/// included (a decision on Friday's bar is taken at Monday's open, or Tuesday's after a holiday).
public struct AlpacaSessionBuckets: BarBuckets {
    public let calendar: AlpacaMarketCalendar

    /// Buckets from `calendar`.
    public init(calendar: AlpacaMarketCalendar) {
        self.calendar = calendar
    }

    public func bucket(containing minute: Timestamp) async throws -> BarBucket? {
        let date = NewYorkTime.date(of: minute)
        guard let session = try await calendar.session(on: date), minute >= session.open, minute < session.close else { return nil }
        return try await bucket(of: session)
    }

    public func bucket(stamped openTime: Timestamp) async throws -> BarBucket? {
        let day = openTime.millisecondsSinceEpoch / 86_400_000
        guard openTime.millisecondsSinceEpoch % 86_400_000 == 0, let session = try await calendar.session(on: CivilDate(daysSinceEpoch: day)) else { return nil }
        return try await bucket(of: session)
    }

    private func bucket(of session: AlpacaMarketCalendar.Session) async throws -> BarBucket {
        let release = try await calendar.nextOpen(after: session.close) ?? session.close
        return BarBucket(openTime: Timestamp(millisecondsSinceEpoch: session.date.daysSinceEpoch * 86_400_000), start: session.open, end: session.close,
                         release: release)
    }
}
