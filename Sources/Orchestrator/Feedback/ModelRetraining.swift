import FeedbackLoop
import Foundation
import HTTPServer
import Prediction
import Storage
import TradingCore
import TradingEngine

/// `model_retraining` jobs: challenger trials run by workers, off the trading path and off the
/// loop's turn. A job for a stream judges its challenger once the shadow period's bars exist
/// (promoted or retired by the rule), or queues itself again for when they will; a job without a
/// stream (the built-in schedule) registers a challenger fitted on the newest bars for every
/// stream whose champion has none in trial. One trial per stream at a time: a job holds the
/// stream's lease (`model-trial:<stream>`) while it judges, and a stream's challengers are judged
/// one by one.
public enum ModelRetraining {
    /// The job kind.
    public static let kind = "model_retraining"
    /// Forecasts in a trial's shadow period.
    static let shadowPairs = 480

    /// What a job does.
    struct Payload: Codable {
        /// `SYMBOL TIMEFRAME HORIZON`; nil: register scheduled challengers.
        let stream: String?
    }

    /// Queues a trial job for every stream with a challenger in trial and no trial job queued or
    /// running: the first look at a new challenger, the next challenger of a stream after a verdict,
    /// and a stream whose job chain ended (a job dead after its last attempt). The loop's turn calls it.
    public static func enqueueTrials(_ store: any Store, now: Timestamp) async throws {
        let active = Set(try await store.jobs(kind: kind, beforeID: nil, limit: 1000).filter { $0.status == .queued || $0.status == .running }.map(\.payload))
        var queued: Set<String> = []
        for record in try await store.modelVersions() where record.role == .challenger {
            guard let specification = FeedbackCycle.ModelSpecification(json: record.parameters) else { continue }
            let payload = String(decoding: try JSONEncoder().encode(Payload(stream: specification.stream)), as: UTF8.self)
            guard !active.contains(payload), queued.insert(payload).inserted else { continue }
            _ = try await store.enqueue(NewJob(kind: kind, payload: payload, idempotencyKey: "\(kind):\(record.name):\(now.millisecondsSinceEpoch)", runAt: now), at: now)
        }
    }

    /// The job's handler.
    static func handler(store: SQLStore, clock: any TradingClock) -> JobHandler {
        JobHandler(kind: kind) { job in
            let payload = try JobKinds.decode(Payload.self, of: job, shape: #"{"stream"?: "SYMBOL TIMEFRAME HORIZON"}"#)
            let now = clock.now()
            let result: JSONValue
            if let stream = payload.stream {
                result = try await trial(stream, store: store, holder: "job-\(job.id)", now: now)
            } else {
                result = try await scheduled(store: store, now: now)
            }
            return String(decoding: result.serialized(), as: UTF8.self)
        }
    }

    /// Judges every stream's due challenger now (an operator's `feedback score`, a `feedback_scoring`
    /// job), each under its stream's lease; a stream whose trial a job is running is left to it.
    static func judgeAll(_ store: any Store, holder: String, now: Timestamp) async throws -> [FeedbackCycle.TrialResult] {
        let streams = Set(try await store.modelVersions().filter { $0.role == .challenger }.compactMap {
            FeedbackCycle.ModelSpecification(json: $0.parameters)?.stream
        })
        var results: [FeedbackCycle.TrialResult] = []
        for stream in streams.sorted() {
            results += try await judged(stream, store: store, holder: holder, now: now) ?? []
        }
        return results
    }

    /// The stream's due challenger judged under the stream's lease (`model-trial:<stream>`), the
    /// lease given up after; nil when another process holds it.
    private static func judged(_ stream: String, store: any Store, holder: String, now: Timestamp) async throws -> [FeedbackCycle.TrialResult]? {
        let lease = "model-trial:\(stream)"
        guard try await store.acquireLeadership(name: lease, holder: holder, until: now.adding(milliseconds: 600_000), at: now) else { return nil }
        do {
            let results = try await FeedbackCycle(store: store).judgeChallengers(now: now, shadowPairs: shadowPairs, streams: [stream])
            try await store.releaseLeadership(name: lease, holder: holder)
            return results
        } catch {
            try? await store.releaseLeadership(name: lease, holder: holder)
            throw error
        }
    }

    /// Judges the stream's challenger under the stream's lease; when its shadow period is not over,
    /// queues the next look for when its bars will have closed.
    static func trial(_ stream: String, store: any Store, holder: String, now: Timestamp) async throws -> JSONValue {
        guard let results = try await judged(stream, store: store, holder: holder, now: now) else {
            throw JobKinds.PayloadError(description: "another trial of \(stream) is running; retried later")
        }
        if let result = results.first {
            return ["stream": .string(stream), "status": .string(result.verdict.promote ? "promoted" : "retired"), "challenger": .string(result.challenger),
                    "champion": .string(result.champion), "reason": .string(result.verdict.reason), "improvement_mean": .number(result.verdict.improvement.mean)]
        }
        let specifications = try await store.modelVersions().filter { $0.role == .challenger }.compactMap { record in
            FeedbackCycle.ModelSpecification(json: record.parameters).map { (record.name, $0) }
        }
        guard let (name, challenger) = specifications.filter({ $0.1.stream == stream }).min(by: { $0.1.fittedAt < $1.1.fittedAt }),
              let timeframe = Timeframe(rawValue: challenger.timeframe), let horizon = Horizon(parsing: challenger.horizon) else {
            return ["stream": .string(stream), "status": "no_challenger"]
        }
        // Shadowing: the next look when the period's last target bar should have closed, at the
        // stream's own pace of bars (an equity's hourly bars come 6.5 a day, on weekdays; data time
        // runs with this clock when live); past that time (bars missing), a tenth of the period later.
        let bars = Int64(shadowPairs) + Int64((try? horizon.bars(of: timeframe)) ?? 1) + 1
        let spacing = try await barSpacing(store, symbol: challenger.symbol, timeframe: timeframe)
        let due = challenger.fittedAt.adding(milliseconds: bars * spacing)
        let next = max(due, now.adding(milliseconds: max(3_600_000, bars * spacing / 10)))
        let payload = String(decoding: try JSONEncoder().encode(Payload(stream: stream)), as: UTF8.self)
        _ = try await store.enqueue(NewJob(kind: kind, payload: payload, idempotencyKey: "\(kind):\(name):\(next.millisecondsSinceEpoch)", runAt: next), at: now)
        return ["stream": .string(stream), "status": "shadowing", "challenger": .string(name), "next_look_at": .string(next.iso8601)]
    }

    /// The stored series' mean time from one bar to the next (its timeframe when it has fewer than two bars).
    static func barSpacing(_ store: any Store, symbol: String, timeframe: Timeframe) async throws -> Int64 {
        let summary = try await store.instruments().first { $0.instrument.symbol.rawValue == symbol }?.series.first { $0.timeframe == timeframe }
        guard let summary, summary.barCount > 1, let first = summary.firstOpenTime, let last = summary.lastOpenTime, last > first else { return timeframe.milliseconds }
        return max(timeframe.milliseconds, (last.millisecondsSinceEpoch - first.millisecondsSinceEpoch) / Int64(summary.barCount - 1))
    }

    /// Registers a challenger fitted on the newest stored bars for every champion's stream with
    /// none in trial, and queues its trial.
    static func scheduled(store: any Store, now: Timestamp) async throws -> JSONValue {
        var newest: [String: Timestamp] = [:]
        for summary in try await store.instruments() {
            for series in summary.series {
                guard let last = series.lastOpenTime else { continue }
                newest["\(summary.instrument.symbol.rawValue) \(series.timeframe.rawValue)"] = last.adding(milliseconds: series.timeframe.milliseconds)
            }
        }
        let champions = try await store.modelVersions().filter { $0.role == .champion }.compactMap { FeedbackCycle.ModelSpecification(json: $0.parameters) }
        var registered: [JSONValue] = []
        let cycle = FeedbackCycle(store: store)
        for champion in champions.sorted(by: { $0.stream < $1.stream }) {
            guard let close = newest["\(champion.symbol) \(champion.timeframe)"],
                  let name = try await cycle.registerChallenger(stream: champion.stream, fittedAt: close, now: now) else { continue }
            registered.append(["stream": .string(champion.stream), "challenger": .string(name)])
        }
        try await enqueueTrials(store, now: now)
        return ["registered": .array(registered)]
    }
}
