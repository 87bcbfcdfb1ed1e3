import Prediction
import Testing
import TradingCore

@Suite("Refit schedule")
struct RefitScheduleTests {
    static let hour: Int64 = 3_600_000

    @Test("a decision forecasts from the newest grid time at least the lead before it", arguments: [
        // (decision time in hours since the epoch, the fit's grid time in hours) with a grid of 48 bars and a lead of 12, hourly bars.
        (60, 48), (59, 0), (107, 48), (108, 96), (12, 0), (11, -48), (-1, -48), (0, -48),
    ])
    func fitTime(decisionHours: Int, fitHours: Int) {
        let schedule = RefitSchedule(everyBars: 48, leadBars: 12)
        let time = Timestamp(millisecondsSinceEpoch: Int64(decisionHours) * Self.hour)
        #expect(schedule.fitTime(forDecisionAt: time, timeframe: .oneHour).millisecondsSinceEpoch == Int64(fitHours) * Self.hour)
    }

    @Test("every decision between two grid times has the same fit, the next grid time is one grid later, and the fit never follows the decision")
    func decisionsShareTheirFit() {
        let schedule = RefitSchedule.server
        let fitTimes = (0..<200).map { bar in
            schedule.fitTime(forDecisionAt: Timestamp(millisecondsSinceEpoch: Int64(1_000 + bar) * Self.hour), timeframe: .oneHour)
        }
        #expect(Set(fitTimes).count == 5)
        for (bar, fit) in fitTimes.enumerated() {
            #expect(fit.millisecondsSinceEpoch <= Int64(1_000 + bar - schedule.leadBars) * Self.hour)
            #expect(fit.millisecondsSinceEpoch % (Int64(schedule.everyBars) * Self.hour) == 0)
        }
        let first = fitTimes[0]
        #expect(schedule.nextFitTime(after: first, timeframe: .oneHour).millisecondsSinceEpoch == first.millisecondsSinceEpoch + 48 * Self.hour)
    }
}
