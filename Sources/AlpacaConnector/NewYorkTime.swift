import TradingCore

/// New York wall-clock times as UTC instants, by the United States' daylight-saving rule in force
/// since 2007 (from 02:00 on March's second Sunday to 02:00 on November's first Sunday: UTC−4;
/// otherwise UTC−5). Written out rather than read from the system's zone database, which a slim
/// container may not carry. Alpaca's calendar gives session times in New York time.
public enum NewYorkTime {
    /// The UTC instant of `hour:minute` New York time on `date`.
    public static func instant(_ date: CivilDate, hour: Int, minute: Int) -> Timestamp {
        let local = (date.daysSinceEpoch * 86_400 + Int64(hour) * 3_600 + Int64(minute) * 60) * 1_000
        let offsetHours: Int64 = isDaylightSaving(date, hour: hour) ? 4 : 5
        return Timestamp(millisecondsSinceEpoch: local + offsetHours * 3_600_000)
    }

    /// Whether New York keeps daylight time at `hour` (local) on `date`.
    static func isDaylightSaving(_ date: CivilDate, hour: Int) -> Bool {
        let start = nthSunday(2, month: 3, year: date.year), end = nthSunday(1, month: 11, year: date.year)
        if date.month > 3 && date.month < 11 { return true }
        if date.month == 3 { return date.day > start || (date.day == start && hour >= 2) }
        if date.month == 11 { return date.day < end || (date.day == end && hour < 2) }
        return false
    }

    /// The day of the month of the `n`th Sunday of `month`.
    static func nthSunday(_ n: Int, month: Int, year: Int) -> Int {
        let first = CivilDate(year: year, month: month, day: 1)!
        // 1970-01-01 was a Thursday: day 0 → weekday 4 (Sunday = 0).
        let weekday = Int(((first.daysSinceEpoch % 7) + 7 + 4) % 7)
        return 1 + (7 - weekday) % 7 + 7 * (n - 1)
    }

    /// The New York calendar date of an instant: daylight time runs from 07:00 UTC on March's
    /// second Sunday (02:00 EST) to 06:00 UTC on November's first Sunday (02:00 EDT).
    public static func date(of time: Timestamp) -> CivilDate {
        let year = CivilDate(daysSinceEpoch: floorDays(time.millisecondsSinceEpoch)).year
        let start = CivilDate(year: year, month: 3, day: nthSunday(2, month: 3, year: year))!.daysSinceEpoch * 86_400_000 + 7 * 3_600_000
        let end = CivilDate(year: year, month: 11, day: nthSunday(1, month: 11, year: year))!.daysSinceEpoch * 86_400_000 + 6 * 3_600_000
        let offset: Int64 = time.millisecondsSinceEpoch >= start && time.millisecondsSinceEpoch < end ? 4 : 5
        return CivilDate(daysSinceEpoch: floorDays(time.millisecondsSinceEpoch - offset * 3_600_000))
    }

    private static func floorDays(_ milliseconds: Int64) -> Int64 {
        milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds + 1) / 86_400_000 - 1
    }
}
