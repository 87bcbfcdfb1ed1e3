import Foundation
import Testing
import TestSupport
import TradingCore

@Suite("Bar file parser")
struct BarFileParserTests {
    let hourly = BarFileParser(timeframe: .oneHour)

    @Test("reads an OHLCV file with extra columns, CRLF line ends and a trailing blank line")
    func readsOHLCV() throws {
        let text = "timestamp,open,high,low,close,volume,volume_usd\r\n2024-01-01T00:00:00Z,10,12,9,11,5,55\r\n2024-01-01T01:00:00Z,11,11.5,10.5,11.25,0,0\r\n\r\n"
        let parsed = try hourly.parseOHLCV(Array(text.utf8), fileName: "a.csv")
        #expect(parsed.bars.count == 2)
        #expect(parsed.ignoredColumns == ["volume_usd"])
        #expect(parsed.bars[1].close.description == "11.25")
        #expect(parsed.bars[1].openTime == Timestamp(iso8601: "2024-01-01T01:00:00Z"))
    }

    @Test("accepts epoch seconds and milliseconds, quoted fields and a byte-order mark")
    func readsOtherForms() throws {
        let text = "\u{FEFF}Date,Open,High,Low,Close\n1704067200,\"10\",12,9,11\n1704070800000,11,12,10,11\n"
        let parsed = try hourly.parseOHLCV(Array(text.utf8), fileName: "b.csv")
        #expect(parsed.bars.map(\.openTime.millisecondsSinceEpoch) == [1_704_067_200_000, 1_704_070_800_000])
        #expect(!parsed.hasVolume)
        #expect(parsed.bars[0].volume == nil)
    }

    /// Each kind of bad file, the line and field it must name, and words its reason must contain.
    static let badFiles: [(name: String, text: String, line: Int, field: String?, reason: String)] = [
        ("empty", "", 1, nil, "empty"),
        ("missing column", "timestamp,open,high,close\n2024-01-01T00:00:00Z,1,2,1\n", 1, nil, "missing column(s) low"),
        ("no time column", "when,open,high,low,close\n", 1, nil, "missing column(s) timestamp"),
        ("duplicate column", "timestamp,open,high,low,close,close\n", 1, "close", "more than once"),
        ("parse error", "timestamp,open,high,low,close\n2024-01-01T00:00:00Z,1,2,abc,1\n", 2, "low", "not a decimal number: 'abc'"),
        ("bad time", "timestamp,open,high,low,close\n01/02/2024,1,2,1,1\n", 2, "timestamp", "not a time"),
        ("zero price", "timestamp,open,high,low,close\n2024-01-01T00:00:00Z,0,2,1,1\n", 2, "open", "greater than zero"),
        ("negative price", "timestamp,open,high,low,close\n2024-01-01T00:00:00Z,1,2,-1,1\n", 2, "low", "greater than zero"),
        ("low above high", "timestamp,open,high,low,close\n2024-01-01T00:00:00Z,1.5,1,2,1.5\n", 2, "low", "above high"),
        ("close outside range", "timestamp,open,high,low,close\n2024-01-01T00:00:00Z,1.5,2,1,3\n", 2, "close", "outside"),
        ("negative volume", "timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,1,1,-5\n", 2, "volume", "negative"),
        ("duplicate timestamp", "timestamp,open,high,low,close\n2024-01-01T00:00:00Z,1,2,1,1\n2024-01-01T00:00:00Z,1,2,1,1\n", 3, "timestamp", "duplicate timestamp 2024-01-01T00:00:00Z (also on line 2)"),
        ("unsorted", "timestamp,open,high,low,close\n2024-01-01T01:00:00Z,1,2,1,1\n2024-01-01T00:00:00Z,1,2,1,1\n", 3, "timestamp", "earlier than"),
        ("misaligned", "timestamp,open,high,low,close\n2024-01-01T00:30:00Z,1,2,1,1\n", 2, "timestamp", "not aligned to 1h"),
        ("field count", "timestamp,open,high,low,close\n2024-01-01T00:00:00Z,1,2,1\n", 2, nil, "expected 5 fields"),
        ("microseconds", "timestamp,open,high,low,close\n1704067200000000,1,2,1,1\n", 2, "timestamp", "not micro- or nanoseconds"),
        ("unterminated quote", "timestamp,open,high,low,close\n2024-01-01T00:00:00Z,\"1,2,1,1\n", 2, nil, "never closed"),
    ]

    @Test("rejects each kind of bad OHLCV file with its line, field and reason", arguments: badFiles)
    func rejectsBadFile(name: String, text: String, line: Int, field: String?, reason: String) throws {
        do {
            _ = try hourly.parseOHLCV(Array(text.utf8), fileName: "bad-\(name).csv")
            Issue.record("\(name) was accepted")
        } catch {
            let issue = try #require(error.issues.first)
            #expect(issue.file == "bad-\(name).csv")
            #expect(issue.line == line)
            #expect(issue.field == field)
            #expect(issue.reason.contains(reason), "\(issue.reason)")
        }
    }

    @Test("reports every bad row, up to the limit, and counts the rest")
    func reportsAllIssues() throws {
        var text = "timestamp,open,high,low,close\n"
        for hour in 0..<150 { text += "2024-01-01T\(hour % 24 < 10 ? "0" : "")\(hour % 24):00:00Z,x,2,1,1\n" }
        do {
            _ = try hourly.parseOHLCV(Array(text.utf8), fileName: "many.csv")
            Issue.record("accepted")
        } catch {
            #expect(error.issues.count == ImportRejection.issueLimit)
            #expect(error.totalIssueCount >= 150)
            #expect(error.description.contains("more issues"))
        }
    }

    @Test("reads a wide close file, skipping empty cells before a listing and empty columns")
    func readsWideClose() throws {
        let text = "date,AAA,BBB,aaa,EMPTY\n2024-01-02,1.5,,NAN,\n2024-01-03,1.6,20,3,\n2024-01-04,1.7,21,4,\n"
        let parsed = try BarFileParser(timeframe: .oneDay).parseWideClose(Array(text.utf8), fileName: "w.csv")
        #expect(parsed.series.map(\.symbol.rawValue) == ["AAA", "BBB", "aaa"])
        #expect(parsed.series[0].bars.count == 3)
        #expect(parsed.series[1].bars.count == 2)
        let bar = parsed.series[1].bars[0]
        #expect(bar.open == bar.close && bar.high == bar.close && bar.low == bar.close && bar.volume == nil)
    }

    @Test("rejects a wide file with a bad symbol column or a non-positive price", arguments: [
        ("date,AA A\n2024-01-02,1\n", 1, "AA A", "not a valid symbol"),
        ("date,AAA\n2024-01-02,-3\n", 2, "AAA", "greater than zero"),
        ("price,AAA\n2024-01-02,1\n", 1, nil, "first column"),
        ("date,AAA,AAA\n2024-01-02,1,2\n", 1, "AAA", "more than once"),
    ] as [(String, Int, String?, String)])
    func rejectsBadWideFile(text: String, line: Int, field: String?, reason: String) throws {
        do {
            _ = try BarFileParser(timeframe: .oneDay).parseWideClose(Array(text.utf8), fileName: "w.csv")
            Issue.record("accepted")
        } catch {
            let issue = try #require(error.issues.first)
            #expect(issue.line == line)
            #expect(issue.field == field)
            #expect(issue.reason.contains(reason), "\(issue.reason)")
        }
    }

    @Test("reads every bundled sample file without an issue", arguments: [
        ("BTC-USD_coinbase_1h_2017-07-01_2019-10-17.csv", Timeframe.oneHour, 20_111),
        ("SP500_1d_1999-01-04_2018-12-31.csv", .oneDay, 5_031),
        ("NASDAQCOMP_1d_1999-01-04_2018-12-31.csv", .oneDay, 5_031),
    ])
    func readsBundledOHLCV(file: String, timeframe: Timeframe, rows: Int) throws {
        let bytes = try Array(contentsOf: TestEnvironment.sampleDataDirectory.appendingPathComponent(file))
        #expect(try BarFileParser(timeframe: timeframe).parseOHLCV(bytes, fileName: file).bars.count == rows)
    }
}

extension Array where Element == UInt8 {
    init(contentsOf url: URL) throws {
        self = Array(try Data(contentsOf: url))
    }
}
