import TradingCore

/// A five-field cron expression (minute hour day-of-month month day-of-week) in UTC, with `*`,
/// lists, ranges, steps, month and weekday names and Sunday as 0 or 7. When both day fields are
/// restricted a day matching either fires (Vixie cron, as croniter; checked against croniter).
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    /// 0 = Sunday … 6 = Saturday.
    public let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool
    public let description: String

    /// Why a text is not a cron expression.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let expression: String
        public let reason: String
        public var description: String { "'\(expression)' is not a five-field cron expression: \(reason)" }
    }

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// Parses an expression.
    public init(_ text: String) throws(ParseError) {
        let fields = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count == 5 else { throw ParseError(expression: text, reason: "it has \(fields.count) fields, not 5") }
        func parse(_ field: String, _ name: String, _ range: ClosedRange<Int>, names: [String] = [], nameBase: Int = 0) throws(ParseError) -> Set<Int> {
            func value(_ token: Substring) throws(ParseError) -> Int {
                if let number = Int(token) {
                    guard range.contains(number) else { throw ParseError(expression: text, reason: "\(name) \(number) is outside \(range.lowerBound)–\(range.upperBound)") }
                    return number
                }
                if let index = names.firstIndex(of: token.uppercased()) { return index + nameBase }
                throw ParseError(expression: text, reason: "\(name) '\(token)' is not a number\(names.isEmpty ? "" : " or a name")")
            }
            var result: Set<Int> = []
            for part in field.split(separator: ",", omittingEmptySubsequences: false) {
                let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
                guard pieces.count <= 2, !pieces[0].isEmpty else { throw ParseError(expression: text, reason: "\(name) '\(part)' is malformed") }
                var step = 1
                if pieces.count == 2 {
                    guard let parsed = Int(pieces[1]), parsed > 0 else { throw ParseError(expression: text, reason: "\(name) step '\(pieces[1])' must be a positive number") }
                    step = parsed
                }
                let low: Int, high: Int
                if pieces[0] == "*" {
                    (low, high) = (range.lowerBound, range.upperBound)
                } else if let dash = pieces[0].firstIndex(of: "-") {
                    low = try value(pieces[0][..<dash])
                    high = try value(pieces[0][pieces[0].index(after: dash)...])
                    guard low <= high else { throw ParseError(expression: text, reason: "\(name) range \(pieces[0]) runs backwards") }
                } else {
                    low = try value(pieces[0])
                    // `5/10` means from 5 to the end in steps of 10.
                    high = pieces.count == 2 ? range.upperBound : low
                }
                result.formUnion(stride(from: low, through: high, by: step))
            }
            return result
        }
        minutes = try parse(fields[0], "minute", 0...59)
        hours = try parse(fields[1], "hour", 0...23)
        daysOfMonth = try parse(fields[2], "day of month", 1...31)
        months = try parse(fields[3], "month", 1...12, names: Self.monthNames, nameBase: 1)
        // 7 is Sunday too.
        daysOfWeek = Set(try parse(fields[4], "day of week", 0...7, names: Self.dayNames).map { $0 % 7 })
        dayOfMonthRestricted = fields[2] != "*"
        dayOfWeekRestricted = fields[4] != "*"
        description = text
    }

    /// Whether a UTC civil day fires (the day fields' rule).
    func dayMatches(year: Int, month: Int, day: Int) -> Bool {
        let weekday = Self.weekday(year: year, month: month, day: day)
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): return daysOfMonth.contains(day) || daysOfWeek.contains(weekday)
        case (true, false): return daysOfMonth.contains(day)
        case (false, true): return daysOfWeek.contains(weekday)
        case (false, false): return true
        }
    }

    /// The first firing time strictly after `time` (whole minutes), within 8 years; nil if none
    /// (an expression such as 30 February never fires).
    public func next(after time: Timestamp) -> Timestamp? {
        let minuteMilliseconds: Int64 = 60_000
        var minute = time.millisecondsSinceEpoch >= 0 ? time.millisecondsSinceEpoch / minuteMilliseconds + 1
            : (time.millisecondsSinceEpoch - minuteMilliseconds + 1) / minuteMilliseconds + 1
        let limit = minute + 8 * 366 * 1440
        while minute < limit {
            let day = minute >= 0 ? minute / 1440 : (minute - 1439) / 1440
            let date = CivilDate(daysSinceEpoch: day)
            guard months.contains(date.month), dayMatches(year: date.year, month: date.month, day: date.day) else {
                minute = (day + 1) * 1440
                continue
            }
            let minuteOfDay = Int(minute - day * 1440)
            guard hours.contains(minuteOfDay / 60) else {
                minute = day * 1440 + Int64(minuteOfDay / 60 + 1) * 60
                continue
            }
            if minutes.contains(minuteOfDay % 60) { return Timestamp(millisecondsSinceEpoch: minute * minuteMilliseconds) }
            minute += 1
        }
        return nil
    }

    /// 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday).
    static func weekday(year: Int, month: Int, day: Int) -> Int {
        let days = CivilDate(year: year, month: month, day: day)!.daysSinceEpoch
        return Int(((days % 7) + 11) % 7)
    }
}
