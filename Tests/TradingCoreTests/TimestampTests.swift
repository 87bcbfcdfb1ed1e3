import Testing
import TradingCore

@Suite("Timestamp and CivilDate")
struct TimestampTests {
    @Test("parses the ISO-8601 forms market data uses", arguments: [
        ("1970-01-01", Int64(0)), ("2024-01-02", 1_704_153_600_000), ("2024-01-02T03:04:05Z", 1_704_164_645_000),
        ("2024-01-02 03:04:05Z", 1_704_164_645_000), ("2024-01-02T03:04Z", 1_704_164_640_000),
        ("2024-01-02T03:04:05.123Z", 1_704_164_645_123), ("2024-01-02T05:04:05+02:00", 1_704_164_645_000),
        ("2024-01-01T22:04:05-05:00", 1_704_164_645_000), ("1969-12-31T23:59:59Z", -1000), ("2000-02-29", 951_782_400_000),
    ])
    func parses(text: String, milliseconds: Int64) throws {
        #expect(try #require(Timestamp(iso8601: text)).millisecondsSinceEpoch == milliseconds)
    }

    @Test("rejects impossible or zone-less times", arguments: [
        "2023-02-29", "2024-13-01", "2024-00-10", "2024-01-32", "2024-01-02T24:00:00Z", "2024-01-02T03:60Z",
        "2024-01-02T03:04:05", "2024/01/02", "24-01-02", "", "2024-01-02T03:04:05Zjunk", "1900-02-29",
    ])
    func rejects(text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test("formats in UTC and round-trips", arguments: [Int64(0), 1_704_164_645_123, -86_400_001, 4_102_444_800_000, -2_208_988_800_000])
    func roundTrips(milliseconds: Int64) throws {
        let timestamp = Timestamp(millisecondsSinceEpoch: milliseconds)
        #expect(Timestamp(iso8601: timestamp.iso8601) == timestamp)
    }

    @Test("prints whole seconds without a fraction")
    func formatting() {
        #expect(Timestamp(millisecondsSinceEpoch: 1_704_164_645_000).iso8601 == "2024-01-02T03:04:05Z")
        #expect(Timestamp(millisecondsSinceEpoch: -1).iso8601 == "1969-12-31T23:59:59.999Z")
    }

    @Test("converts every day of four centuries to days and back")
    func civilDateRoundTrip() {
        var expected = CivilDate(year: 1800, month: 1, day: 1)!.daysSinceEpoch
        for year in 1800..<2200 {
            for month in 1...12 {
                for day in 1...CivilDate.daysInMonth(year: year, month: month) {
                    let date = CivilDate(year: year, month: month, day: day)!
                    #expect(date.daysSinceEpoch == expected)
                    #expect(CivilDate(daysSinceEpoch: expected) == date)
                    expected += 1
                }
            }
        }
    }
}
