/// The layout of a market-data CSV file.
public enum BarFileFormat: String, Sendable, CaseIterable, Codable {
    /// One row per bar: a time column (`timestamp`, `date`, `time`, `datetime` or `open_time`) and
    /// `open, high, low, close`, with an optional `volume`; other columns are ignored.
    case ohlcv
    /// One row per date: a time column and one column of closing prices per symbol; empty cells
    /// (before a listing, or gaps) are skipped.
    case wideClose = "wide_close"
}

/// Bars read from one OHLCV file, in time order.
public struct ParsedBarFile: Sendable {
    /// The bars, strictly increasing in open time.
    public let bars: [Bar]
    /// Columns present in the header that were not used.
    public let ignoredColumns: [String]
    /// Whether the file had a volume column.
    public let hasVolume: Bool
}

/// Closing-price series read from one wide file, one per symbol column, each in time order.
public struct ParsedWideCloseFile: Sendable {
    /// The series in header order.
    public let series: [(symbol: Symbol, bars: [Bar])]
}

/// Reads market-data CSV files and rejects them whole, with file, line, field and reason for each
/// problem: missing columns, unparsable values, non-positive prices, low above high, open or close
/// outside the range, duplicate or unsorted timestamps, and open times not aligned to the timeframe.
public struct BarFileParser: Sendable {
    /// Names accepted for the time column, lower case.
    public static let timeColumnNames = ["timestamp", "date", "time", "datetime", "open_time"]

    /// The bar length the file is declared to hold.
    public let timeframe: Timeframe

    /// Creates a parser for files of one timeframe.
    public init(timeframe: Timeframe) {
        self.timeframe = timeframe
    }

    /// Parses an OHLCV file.
    public func parseOHLCV(_ bytes: [UInt8], fileName: String) throws(ImportRejection) -> ParsedBarFile {
        var issues = ImportIssueCollector(file: fileName)
        var reader = CSVRecordReader(bytes: bytes).makeIterator()
        guard let header = Self.nextNonBlank(&reader) else {
            issues.add(line: 1, field: nil, reason: "the file is empty; expected a header row")
            try issues.throwIfAny()
            return ParsedBarFile(bars: [], ignoredColumns: [], hasVolume: false)
        }
        let names = header.fields.map { $0.trimmingWhitespace().lowercased() }
        let timeIndex = names.firstIndex { Self.timeColumnNames.contains($0) }
        func index(of column: String) -> Int? { names.firstIndex(of: column) }
        let required = ["open", "high", "low", "close"]
        let missing = (timeIndex == nil ? ["timestamp"] : []) + required.filter { index(of: $0) == nil }
        if !missing.isEmpty {
            issues.add(line: header.line, field: nil,
                       reason: "header is missing column(s) \(missing.joined(separator: ", ")); expected a time column (\(Self.timeColumnNames.joined(separator: "|"))) and open, high, low, close[, volume]; got \(header.fields.joined(separator: ","))")
            try issues.throwIfAny()
        }
        Self.checkDuplicateColumns(names, line: header.line, issues: &issues)
        try issues.throwIfAny()
        let columns = (time: timeIndex!, open: index(of: "open")!, high: index(of: "high")!, low: index(of: "low")!,
                       close: index(of: "close")!, volume: index(of: "volume"))
        let used = Set([columns.time, columns.open, columns.high, columns.low, columns.close] + (columns.volume.map { [$0] } ?? []))
        let ignored = header.fields.indices.filter { !used.contains($0) }.map { header.fields[$0] }

        var bars: [Bar] = []
        bars.reserveCapacity(bytes.count / 48)
        var order = TimeOrderCheck(timeframe: timeframe)
        while let record = reader.next() {
            if record.isBlank { continue }
            guard record.fields.count == header.fields.count else {
                issues.add(line: record.line, field: nil,
                           reason: "expected \(header.fields.count) fields as in the header, found \(record.fields.count)")
                continue
            }
            let fieldNames = header.fields
            guard let openTime = parseTime(record.fields[columns.time], line: record.line, field: fieldNames[columns.time], issues: &issues),
                  let open = Self.parsePrice(record.fields[columns.open], line: record.line, field: fieldNames[columns.open], issues: &issues),
                  let high = Self.parsePrice(record.fields[columns.high], line: record.line, field: fieldNames[columns.high], issues: &issues),
                  let low = Self.parsePrice(record.fields[columns.low], line: record.line, field: fieldNames[columns.low], issues: &issues),
                  let close = Self.parsePrice(record.fields[columns.close], line: record.line, field: fieldNames[columns.close], issues: &issues)
            else { continue }
            var volume: Quantity?
            if let volumeIndex = columns.volume {
                let text = record.fields[volumeIndex].trimmingWhitespace()
                do throws(DecimalParseError) {
                    volume = Quantity(try FixedDecimal(parsing: text.utf8))
                } catch {
                    issues.add(line: record.line, field: fieldNames[volumeIndex], reason: "\(error): '\(text)'")
                    continue
                }
            }
            order.check(openTime, line: record.line, field: fieldNames[columns.time], issues: &issues)
            do throws(BarValidationError) {
                bars.append(try Bar(openTime: openTime, open: open, high: high, low: low, close: close, volume: volume))
            } catch {
                issues.add(line: record.line, field: error.field, reason: error.reason)
            }
        }
        if let failure = reader.failure, case .unterminatedQuote(let line) = failure {
            issues.add(line: line, field: nil, reason: "a quoted field is never closed")
        }
        try issues.throwIfAny()
        return ParsedBarFile(bars: bars, ignoredColumns: ignored, hasVolume: columns.volume != nil)
    }

    /// Parses a wide close-price file: a time column, then one column per symbol.
    public func parseWideClose(_ bytes: [UInt8], fileName: String) throws(ImportRejection) -> ParsedWideCloseFile {
        var issues = ImportIssueCollector(file: fileName)
        var reader = CSVRecordReader(bytes: bytes).makeIterator()
        guard let header = Self.nextNonBlank(&reader) else {
            issues.add(line: 1, field: nil, reason: "the file is empty; expected a header row")
            try issues.throwIfAny()
            return ParsedWideCloseFile(series: [])
        }
        let names = header.fields.map { $0.trimmingWhitespace() }
        guard let first = names.first, Self.timeColumnNames.contains(first.lowercased()), names.count >= 2 else {
            issues.add(line: header.line, field: nil,
                       reason: "a wide close file needs a first column named \(Self.timeColumnNames.joined(separator: "|")) and at least one symbol column; got \(header.fields.joined(separator: ","))")
            try issues.throwIfAny()
            return ParsedWideCloseFile(series: [])
        }
        var symbols: [Symbol] = []
        for name in names.dropFirst() {
            if let symbol = Symbol(name) { symbols.append(symbol) } else {
                issues.add(line: header.line, field: name, reason: "column name is not a valid symbol (\(Symbol.rule))")
            }
        }
        // Symbols are case-sensitive (abc and ABC are different instruments).
        Self.checkDuplicateColumns(names, line: header.line, caseSensitive: true, issues: &issues)
        try issues.throwIfAny()

        var series = [[Bar]](repeating: [], count: symbols.count)
        var order = TimeOrderCheck(timeframe: timeframe)
        while let record = reader.next() {
            if record.isBlank { continue }
            guard record.fields.count == names.count else {
                issues.add(line: record.line, field: nil, reason: "expected \(names.count) fields as in the header, found \(record.fields.count)")
                continue
            }
            guard let openTime = parseTime(record.fields[0], line: record.line, field: names[0], issues: &issues) else { continue }
            order.check(openTime, line: record.line, field: names[0], issues: &issues)
            for (column, symbol) in symbols.enumerated() {
                let text = record.fields[column + 1].trimmingWhitespace()
                if text.isEmpty || text.lowercased() == "nan" { continue }
                guard let close = Self.parsePrice(text, line: record.line, field: symbol.rawValue, issues: &issues) else { continue }
                do throws(BarValidationError) {
                    series[column].append(try Bar.closeOnly(openTime: openTime, close: close))
                } catch {
                    issues.add(line: record.line, field: symbol.rawValue, reason: error.reason)
                }
            }
        }
        if let failure = reader.failure, case .unterminatedQuote(let line) = failure {
            issues.add(line: line, field: nil, reason: "a quoted field is never closed")
        }
        try issues.throwIfAny()
        // A column with no value at all names no data; it creates no instrument.
        return ParsedWideCloseFile(series: Array(zip(symbols, series)).filter { !$0.1.isEmpty }.map { (symbol: $0.0, bars: $0.1) })
    }

    private static func nextNonBlank(_ reader: inout CSVRecordReader.Iterator) -> CSVRecordReader.Record? {
        while let record = reader.next() {
            if !record.isBlank { return record }
        }
        return nil
    }

    private static func checkDuplicateColumns(_ names: [String], line: Int, caseSensitive: Bool = false, issues: inout ImportIssueCollector) {
        var seen = Set<String>()
        for name in names where !seen.insert(caseSensitive ? name : name.lowercased()).inserted {
            issues.add(line: line, field: name, reason: "column appears more than once in the header")
        }
    }

    private static func parsePrice(_ raw: String, line: Int, field: String, issues: inout ImportIssueCollector) -> Price? {
        let text = raw.trimmingWhitespace()
        do throws(DecimalParseError) {
            let value = try FixedDecimal(parsing: text.utf8)
            guard value.isPositive else {
                issues.add(line: line, field: field, reason: "price must be greater than zero, got \(text)")
                return nil
            }
            return Price(value)
        } catch {
            issues.add(line: line, field: field, reason: "\(error): '\(text)'")
            return nil
        }
    }

    /// Accepts ISO-8601 (`2024-01-02`, `2024-01-02T03:00:00Z`, with an offset) or Unix epoch
    /// seconds or milliseconds (13 or more digits are milliseconds).
    private func parseTime(_ raw: String, line: Int, field: String, issues: inout ImportIssueCollector) -> Timestamp? {
        let text = raw.trimmingWhitespace()
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            // 10-digit seconds and 13-digit milliseconds cover 2001–2286; longer numbers are
            // microseconds or nanoseconds, which would silently land tens of thousands of years out.
            guard let number = Int64(text), text.utf8.count <= 13 else {
                issues.add(line: line, field: field,
                           reason: "'\(text)' has \(text.utf8.count) digits; epoch times must be seconds (up to 12 digits) or milliseconds (13 digits), not micro- or nanoseconds")
                return nil
            }
            let timestamp = text.utf8.count == 13 ? Timestamp(millisecondsSinceEpoch: number) : Timestamp(secondsSinceEpoch: number)
            guard Timestamp.supportedRange.contains(timestamp) else {
                issues.add(line: line, field: field, reason: "'\(text)' is outside the years 0001–9999")
                return nil
            }
            return timestamp
        }
        guard let timestamp = Timestamp(iso8601: text) else {
            issues.add(line: line, field: field,
                       reason: "'\(text)' is not a time; expected ISO-8601 UTC such as 2024-01-02 or 2024-01-02T03:00:00Z, or Unix epoch seconds/milliseconds")
            return nil
        }
        return timestamp
    }
}

/// Checks that open times strictly increase and sit on the timeframe's grid.
private struct TimeOrderCheck {
    let timeframe: Timeframe
    var previous: (time: Timestamp, line: Int)?
    var firstLineByTime: [Timestamp: Int] = [:]

    init(timeframe: Timeframe) { self.timeframe = timeframe }

    mutating func check(_ time: Timestamp, line: Int, field: String, issues: inout ImportIssueCollector) {
        // Bars up to a day long are aligned to UTC midnight; weekly bars have no single convention.
        if timeframe <= .oneDay, time.millisecondsSinceEpoch.floorDividedWithRemainder(by: timeframe.milliseconds).remainder != 0 {
            issues.add(line: line, field: field, reason: "open time \(time) is not aligned to \(timeframe.rawValue) bars")
        }
        if let previous {
            if time == previous.time {
                issues.add(line: line, field: field, reason: "duplicate timestamp \(time) (also on line \(previous.line))")
            } else if time < previous.time {
                let earlier = firstLineByTime[time].map { "; it duplicates line \($0)" } ?? ""
                issues.add(line: line, field: field,
                           reason: "timestamp \(time) is earlier than \(previous.time) on line \(previous.line); rows must be in increasing time order\(earlier)")
            }
        }
        if firstLineByTime[time] == nil { firstLineByTime[time] = line }
        if previous == nil || time > previous!.time { previous = (time, line) }
    }
}

extension String {
    /// The text without leading and trailing spaces, tabs and line breaks.
    public func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
