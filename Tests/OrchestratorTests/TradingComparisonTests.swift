import Foundation
import Orchestrator
import Testing
import TestSupport
import TradingCore

@Suite("feedback compare-trading: own refits, a frozen champion and promoted champions over the same bars")
struct TradingComparisonTests {
    @Test("three arms over one window: without a promotion adaptive trades as frozen, the own refits trade otherwise; the JSON keys are stable")
    func threeArms() throws {
        let data = TestEnvironment.sampleDataDirectory
        var request = TradingComparison.Request(paths: [data.appendingPathComponent("SP500_1d_1999-01-04_2018-12-31.csv").path,
                                                        data.appendingPathComponent("NASDAQCOMP_1d_1999-01-04_2018-12-31.csv").path],
                                                start: Timestamp(iso8601: "2001-01-02T00:00:00Z")!)
        request.end = Timestamp(iso8601: "2002-06-30T00:00:00Z")!
        request.maximumDrawdown = 1
        request.maximumDailyLoss = 1
        let output = try TradingComparison.run(request)
        #expect(output.json.objectKeys == ["symbols", "timeframe", "horizon", "start", "end", "bars", "promotions", "arms"])
        let arms = try #require(output.json["arms"]?.arrayValue)
        #expect(arms.compactMap { $0["arm"]?.stringValue } == ["own", "frozen", "adaptive"])
        #expect(arms[0].objectKeys == ["arm", "total_return", "sharpe", "max_drawdown", "fills", "mean_log_score", "forecasts_scored", "halted_at_start", "halted_bars"])
        #expect(output.json["promotions"]?.arrayValue?.isEmpty == true, "no promotion in 18 months of daily bars (480 shadow forecasts are about two years)")
        #expect(arms[1] == arms[2].replacing("arm", with: "frozen"), "without a promotion the adaptive arm is the frozen one")
        #expect(arms[0]["fills"] != arms[1]["fills"], "the champion's forecasts trade differently from the own refits")
        #expect(arms.allSatisfy { $0["forecasts_scored"]?.integerValue ?? 0 > 300 && $0["halted_bars"]?.integerValue == 0 })
    }
}

extension JSONValue {
    /// The object with one member's value replaced.
    func replacing(_ key: String, with value: String) -> JSONValue {
        guard case .object(let members) = self else { return self }
        return .object(members.map { $0.0 == key ? ($0.0, .string(value)) : $0 })
    }
}
