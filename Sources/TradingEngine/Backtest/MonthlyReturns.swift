import TradingCore

/// Returns by calendar month (UTC), as tear sheets show them: each month's from the last value of
/// the month before (the first value for the first month) to its own last value.
public struct MonthlyReturn: Sendable, Hashable {
    /// The year and the month (1…12).
    public let year: Int
    public let month: Int
    /// The month's return in percent.
    public let percent: Double

    /// Creates one month's return.
    public init(year: Int, month: Int, percent: Double) {
        self.year = year
        self.month = month
        self.percent = percent
    }

    /// The monthly returns of `values` marked at `times` (same length, oldest first).
    public static func of(_ values: [Double], at times: [Timestamp]) -> [MonthlyReturn] {
        precondition(values.count == times.count, "one time per value")
        var lastOfMonth: [(year: Int, month: Int, value: Double)] = []
        for (time, value) in zip(times, values) {
            let days = time.millisecondsSinceEpoch >= 0 ? time.millisecondsSinceEpoch / 86_400_000 : (time.millisecondsSinceEpoch + 1) / 86_400_000 - 1
            let date = CivilDate(daysSinceEpoch: days)
            if let last = lastOfMonth.last, last.year == date.year, last.month == date.month {
                lastOfMonth[lastOfMonth.count - 1].value = value
            } else {
                lastOfMonth.append((date.year, date.month, value))
            }
        }
        var previous = values.first ?? 0
        return lastOfMonth.map { entry in
            defer { previous = entry.value }
            return MonthlyReturn(year: entry.year, month: entry.month, percent: previous > 0 ? (entry.value / previous - 1) * 100 : 0)
        }
    }
}
