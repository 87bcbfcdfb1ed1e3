import FeedbackLoop
import Foundation
import Prediction
import Storage
import Testing
import TestSupport
import TradingCore
import TradingEngine
@testable import Orchestrator

@Suite("model_retraining: challenger trials run by workers")
struct ModelRetrainingTests {
    static let stream = "BTC-USD 1h 4h"
    static let end = Timestamp(iso8601: "2018-03-15T00:00:00Z")!
    static let championFit = Timestamp(iso8601: "2017-12-17T00:00:00Z")!
    static let challengerFit = Timestamp(iso8601: "2018-01-17T10:00:00Z")!

    /// A store with the bundled hourly BTC-USD bars before `end`, a champion and (optionally) a challenger of the 4 h stream.
    static func store(in directory: TemporaryDirectory, challenger: Bool = true) async throws -> SQLStore {
        let (store, _) = try await SampleStore.bitcoinHourly(in: directory, before: end)
        var commit = FeedbackCommit()
        let champion = FeedbackCycle.ModelSpecification(symbol: "BTC-USD", timeframe: "1h", horizon: "4h", fittedAt: championFit)
        commit.models = [ModelVersionRecord(name: champion.name, role: .champion, parameters: champion.json, createdAt: championFit, promotedAt: championFit)]
        if challenger {
            let specification = FeedbackCycle.ModelSpecification(symbol: "BTC-USD", timeframe: "1h", horizon: "4h", fittedAt: challengerFit)
            commit.models.append(ModelVersionRecord(name: specification.name, role: .challenger, parameters: specification.json, createdAt: challengerFit, promotedAt: nil))
        }
        try await store.commitFeedback(commit, at: challengerFit)
        return store
    }

    /// The store's queued jobs of the kind.
    static func queued(_ store: SQLStore) async throws -> [JobRecord] {
        try await store.jobs(kind: ModelRetraining.kind, beforeID: nil, limit: 100).filter { $0.status == .queued }
    }

    /// A job's JSON result.
    static func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("a challenger in trial gets one job; before its shadow bars exist the job queues its next look, after them it promotes by the rule")
    func trialJob() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await Self.store(in: directory)
        try await ModelRetraining.enqueueTrials(store, now: Self.challengerFit)
        try await ModelRetraining.enqueueTrials(store, now: Self.challengerFit.adding(milliseconds: 60_000))
        let jobs = try await Self.queued(store)
        #expect(jobs.count == 1 && jobs[0].payload == #"{"stream":"BTC-USD 1h 4h"}"#, "one job per challenger, however many turns queue it")
        let clock = FixedClock(Timestamp(iso8601: "2018-01-30T00:00:00Z")!)
        let handler = ModelRetraining.handler(store: store, clock: clock)
        let early = try Self.object(try await handler.run(jobs[0]))
        // 480 shadow forecasts and their 4-bar targets after the fit: the last target closes 485 hours after it.
        #expect(early["status"] as? String == "shadowing" && early["next_look_at"] as? String == "2018-02-06T15:00:00Z")
        let next = try await Self.queued(store).filter { $0.id != jobs[0].id }
        #expect(next.count == 1 && next[0].runAt == Timestamp(iso8601: "2018-02-06T15:00:00Z")!)
        // Another process judging the stream holds its lease: the job fails (retried later), judging nothing.
        #expect(try await store.acquireLeadership(name: "model-trial:\(Self.stream)", holder: "other", until: Self.end.adding(milliseconds: 1), at: Self.end))
        clock.advance(milliseconds: Self.end.millisecondsSinceEpoch - clock.now().millisecondsSinceEpoch)
        await #expect(throws: JobKinds.PayloadError.self) { _ = try await handler.run(next[0]) }
        try await store.releaseLeadership(name: "model-trial:\(Self.stream)", holder: "other")
        let judged = try Self.object(try await handler.run(next[0]))
        #expect(judged["status"] as? String == "promoted" && abs((judged["improvement_mean"] as? Double ?? 0) - 0.053193309743884455) < 1e-6)
        let models = try await store.modelVersions()
        #expect(models.filter { $0.role == .champion }.map(\.name) == ["\(Self.stream) fitted 2018-01-17T10:00:00Z"])
        #expect(try Self.object(try await handler.run(next[0]))["status"] as? String == "no_challenger", "judged once")
    }

    @Test("a stream whose trial job has ended while a challenger is still in trial gets a new job at the next turn; one with a job queued does not")
    func requeuedAfterTheChainEnds() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await Self.store(in: directory)
        try await ModelRetraining.enqueueTrials(store, now: Self.challengerFit)
        // A worker takes the job and it ends (judged, dead after its last attempt…) while the challenger is still in trial.
        let claimed = try await store.claimJobs(worker: "w", kinds: [ModelRetraining.kind], limit: 10, lease: .seconds(30), at: Self.challengerFit)
        #expect(claimed.count == 1)
        try await ModelRetraining.enqueueTrials(store, now: Self.challengerFit.adding(milliseconds: 1_000))
        #expect(try await Self.queued(store).isEmpty, "a running job is the stream's trial")
        _ = try await store.completeJobs([JobCompletion(jobID: claimed[0].id, result: "{}")], worker: "w", at: Self.challengerFit.adding(milliseconds: 2_000))
        try await ModelRetraining.enqueueTrials(store, now: Self.challengerFit.adding(milliseconds: 60_000))
        let requeued = try await Self.queued(store)
        #expect(requeued.count == 1 && requeued[0].payload == #"{"stream":"BTC-USD 1h 4h"}"#)
    }

    @Test("the schedule puts a challenger fitted on the newest bars in trial for a stream without one, and none while one is in trial")
    func scheduledRetraining() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await Self.store(in: directory, challenger: false)
        let handler = ModelRetraining.handler(store: store, clock: FixedClock(Self.end))
        let job = try await store.enqueue(NewJob(kind: ModelRetraining.kind, payload: "{}", runAt: Self.end), at: Self.end)
        let result = try Self.object(try await handler.run(job))
        #expect((result["registered"] as? [[String: Any]])?.first?["challenger"] as? String == "\(Self.stream) fitted 2018-03-15T00:00:00Z", "fitted at the newest bar's close")
        #expect(try await store.modelVersions().filter { $0.role == .challenger }.count == 1)
        #expect(try await Self.queued(store).contains { $0.payload == #"{"stream":"BTC-USD 1h 4h"}"# }, "its trial is queued")
        let again = try Self.object(try await handler.run(job))
        #expect((again["registered"] as? [Any])?.isEmpty == true, "one trial per stream at a time")
    }

    @Test("a trial with the champion's stored models gives the verdict of a refit, bit for bit")
    func storedChampionMatchesRefit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try await Self.store(in: directory)
        let series = try #require(try await store.analyticSeries(symbol: Symbol("BTC-USD")!, timeframe: .oneHour, start: nil, end: Self.end)).series
        let horizon = Horizon(parsing: "4h")!
        let stored = try Forecaster.FittedModels(parameters: try #require(try Forecaster().fit(series, at: Self.championFit, horizons: [horizon]).parameters))
        let trial = ChallengerTrial(horizon: horizon)
        let refit = try #require(try trial.evaluate(series: series, championFit: Self.championFit, challengerFit: Self.challengerFit))
        let reused = try #require(try trial.evaluate(series: series, championFit: Self.championFit, challengerFit: Self.challengerFit, champion: stored))
        #expect(refit.improvement.mean.bitPattern == reused.improvement.mean.bitPattern && refit.championScore.bitPattern == reused.championScore.bitPattern)
    }
}
