import Foundation
@testable import HTTPServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Prometheus
import Testing
import TestSupport
import TradingCore
import TradingEngine

@Suite("Feedback loop through the API")
struct FeedbackAPITests {
    /// Stores two 1 h forecasts made at the close of the fixture's bar 5 (06:00); returns their ids.
    static func storeForecasts(_ fixture: ServerFixture) async throws -> [Int64] {
        let dataTime = Timestamp(iso8601: "2024-01-01T06:00:00Z")!
        let records = [(0.7, "1h", Int64(3_600_000)), (0.3, "4h", Int64(14_400_000))].map { probability, horizon, milliseconds in
            ForecastRecord(id: nil, symbol: Symbol("BTC-USD")!, timeframe: .oneHour, horizon: horizon, horizonMilliseconds: milliseconds,
                           decisionTime: dataTime, dataTime: dataTime, targetTime: dataTime.adding(milliseconds: milliseconds), referenceClose: "100",
                           expectedLogReturn: 0.001, probabilityUp: probability, volatility: 0.01, intervalLow: -0.0118, intervalHigh: 0.0138,
                           returnModel: "ridge", directionModel: "logistic", volatilityModel: "garch", modelVersion: "forecaster-1", createdAt: dataTime)
        }
        return try await fixture.store.recordForecasts(records).compactMap(\.id)
    }

    static func post(_ client: any TestClientProtocol, _ fixture: ServerFixture, _ uri: String, role: APIKeyRole = .trader, body: String) async throws -> (Int, [String: Any]) {
        try await client.execute(uri: uri, method: .post, headers: fixture.headers(role, contentType: "application/json"), body: ByteBuffer(string: body)) { response in
            (Int(response.status.code), (try? response.json) ?? [:])
        }
    }

    @Test("an external outcome is scored once; unknown, duplicate, early, future and malformed ones are refused and change nothing")
    func externalOutcomes() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let ids = try await Self.storeForecasts(fixture)
            let (status, body) = try await Self.post(client, fixture, "/api/v1/feedback/outcomes",
                                                     body: #"{"forecast_id": \#(ids[0]), "realised_close": "101.5", "observed_at": "2024-01-01T07:00:00Z"}"#)
            #expect(status == 201, "\(body)")
            #expect(body["verdict"] as? String == "SUCCESS" && body["source"] as? String == "external" && body["realised_close"] as? String == "101.5")
            #expect(abs((body["realised_log_return"] as? Double ?? 0) - log(1.015)) < 1e-15)
            let refused: [(String, Int)] = [
                (#"{"forecast_id": \#(ids[0]), "realised_close": "99", "observed_at": "2024-01-01T08:00:00Z"}"#, 409),
                (#"{"forecast_id": 9999, "realised_close": "99", "observed_at": "2024-01-01T08:00:00Z"}"#, 404),
                (#"{"forecast_id": \#(ids[1]), "realised_close": "99", "observed_at": "2024-01-01T09:59:59Z"}"#, 422),
                (#"{"forecast_id": \#(ids[1]), "realised_close": "99", "observed_at": "2030-01-01T00:00:00Z"}"#, 422),
                (#"{"forecast_id": \#(ids[1]), "realised_close": "-5", "observed_at": "2024-01-01T10:00:00Z"}"#, 400),
                (#"{"forecast_id": \#(ids[1]), "realised_close": "99", "observed_at": "yesterday"}"#, 400),
                (#"{"forecast_id": \#(ids[1]), "realised_close": "99"}"#, 400),
                (#"{"forecast_id": \#(ids[1]), "realised_close": "99", "observed_at": "2024-01-01T10:00:00Z", "note": 1}"#, 400),
            ]
            for (request, expected) in refused {
                let (code, problem) = try await Self.post(client, fixture, "/api/v1/feedback/outcomes", body: request)
                #expect(code == expected, "\(request) → \(code) \(problem)")
                #expect(problem["detail"] != nil || problem["errors"] != nil || problem["title"] != nil)
            }
            #expect(try await fixture.store.outcomes(limit: 10).count == 1)
            // A viewer may not post.
            #expect(try await Self.post(client, fixture, "/api/v1/feedback/outcomes", role: .viewer, body: "{}").0 == 403)
        }
    }

    @Test("status, performance and signals show the scored outcomes; optimize and reset are admin-only and reset needs its confirmation")
    func statusPerformanceSignalsReset() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            _ = try await Self.storeForecasts(fixture)
            let report = try await FeedbackCycle(store: fixture.store).score(now: fixture.dependencies.clock.now())
            #expect(report.scored == 2 && report.failures == 1 && report.successes == 1)
            try await client.execute(uri: "/api/v1/feedback/status", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect(response.status == .ok)
                let json = try response.json
                #expect(json["learning_cycles"] as? Int == 1)
                #expect((json["outcomes"] as? [String: Any])?["success"] as? Int == 1)
                #expect((json["drift_detectors"] as? [[String: Any]])?.count == 2)
                #expect(json["adaptation_score"] != nil && json["thresholds"] != nil && json["models"] != nil)
            }
            try await client.execute(uri: "/api/v1/feedback/performance?horizon=1h", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                let groups = try response.json["groups"] as? [[String: Any]]
                #expect(groups?.count == 1 && groups?.first?["accuracy"] as? Double == 0 && groups?.first?["regime"] as? String == "UNKNOWN")
                #expect((try response.json["signatures"] as? [[String: Any]])?.count == 1)
            }
            for query in ["window=0", "symbol=not%20a%20symbol", "colour=blue"] {
                try await client.execute(uri: "/api/v1/feedback/performance?\(query)", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                    #expect(response.status == .badRequest, "\(query)")
                }
            }
            try await client.execute(uri: "/api/v1/feedback/signals?kind=FAILURE", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                let signals = try response.json["signals"] as? [[String: Any]]
                #expect(signals?.count == 1 && signals?.first?["kind"] as? String == "FAILURE" && signals?.first?["rule"] as? String != nil)
            }
            try await client.execute(uri: "/api/v1/feedback/signals?kind=MAYBE", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                #expect(response.status == .badRequest)
            }
            #expect(try await Self.post(client, fixture, "/api/v1/feedback/optimize", role: .trader, body: "").0 == 403)
            let (optimized, changes) = try await Self.post(client, fixture, "/api/v1/feedback/optimize", role: .admin, body: "")
            #expect(optimized == 200 && (changes["changes"] as? [[String: Any]])?.count == 2)
            let (rollback, missing) = try await Self.post(client, fixture, "/api/v1/feedback/models/rollback", role: .admin, body: #"{"stream": "NOPE 1h 4h"}"#)
            #expect(rollback == 404 && (missing["detail"] as? String ?? "").contains("no champion"))
            #expect(try await Self.post(client, fixture, "/api/v1/feedback/models/rollback", role: .trader, body: #"{"stream": "x"}"#).0 == 403)
            #expect(try await Self.post(client, fixture, "/api/v1/system/reset", role: .trader, body: #"{"confirm": "RESET LEARNED STATE"}"#).0 == 403)
            let (unconfirmed, problem) = try await Self.post(client, fixture, "/api/v1/system/reset", role: .admin, body: #"{"confirm": "yes"}"#)
            #expect(unconfirmed == 422 && (problem["detail"] as? String ?? "").contains("RESET LEARNED STATE"))
            #expect(try await fixture.store.outcomes(limit: 10).count == 2)
            let (reset, removed) = try await Self.post(client, fixture, "/api/v1/system/reset", role: .admin, body: #"{"confirm": "RESET LEARNED STATE"}"#)
            #expect(reset == 200 && (removed["removed"] as? [String: Any])?["outcomes"] as? Int == 2)
            #expect(try await fixture.store.outcomes(limit: 10).isEmpty)
            #expect(try await fixture.store.forecasts(symbol: Symbol("BTC-USD")!, limit: 10).count == 2)
        }
    }

    @Test("""
        status and performance are computed once per state of the learned data and shared through the store; after a commit the \
        previous state's documents are served at once, marked with their revision, while the current ones are computed in the background
        """)
    func summariesFollowTheLearnedState() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            func get(_ uri: String) async throws -> [String: Any] {
                try await client.execute(uri: uri, method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                    #expect(response.status == .ok, "\(response.text)")
                    return try response.json
                }
            }
            /// Successes and the revision in the status, outcomes and the revision in the performance document.
            func documents() async throws -> [Int?] {
                let status = try await get("/api/v1/feedback/status"), performance = try await get("/api/v1/feedback/performance")
                return [(status["outcomes"] as? [String: Any])?["success"] as? Int, status["revision"] as? Int,
                        performance["outcomes_considered"] as? Int, performance["revision"] as? Int]
            }
            let store = fixture.store
            let before = try await store.feedbackRevision()
            // The first documents ever are computed for the request.
            #expect(try await documents() == [0, Int(before), 0, Int(before)])
            #expect(try await documents() == [0, Int(before), 0, Int(before)])
            #expect(PredictionAPITests.lookups(fixture, cache: "feedback") == ["hit": 2, "miss": 2, "joined": 0])
            #expect(try await store.feedbackSummary(FeedbackSummaries.storedName(.status), revision: before) != nil, "kept in the store for the other processes")
            // Scoring commits: the revision moves on. The next requests are answered at once with the previous documents,
            // which say so, and start computing the current ones; the documents then show the new outcomes.
            _ = try await Self.storeForecasts(fixture)
            _ = try await FeedbackCycle(store: store).score(now: fixture.dependencies.clock.now())
            let scored = try await store.feedbackRevision()
            #expect(scored > before)
            #expect(try await documents() == [0, Int(before), 0, Int(before)])
            #expect(try await eventually { try await documents() == [1, Int(scored), 2, Int(scored)] })
            #expect(try await store.feedbackSummary(FeedbackSummaries.storedName(.status), revision: scored) != nil, "stored by the background computation")
            // A filtered view is computed from the outcomes once per revision and kept in this process only.
            #expect((try await get("/api/v1/feedback/performance?horizon=1h")["outcomes_considered"] as? Int) == 1)
            let hits = PredictionAPITests.lookups(fixture, cache: "feedback")["hit"] ?? 0
            #expect((try await get("/api/v1/feedback/performance?horizon=1h")["outcomes_considered"] as? Int) == 1)
            #expect(PredictionAPITests.lookups(fixture, cache: "feedback")["hit"] == hits + 1)
            // A document computed at an old revision is not kept.
            try await store.storeFeedbackSummary(FeedbackSummaries.storedName(.status), document: "{}", revision: before)
            #expect(try await store.feedbackSummary(FeedbackSummaries.storedName(.status), revision: before) == nil)
            // Another process (its own cache) on the same store serves the stored document.
            try await FeedbackSummaries.refresh(store)
            let other = ServerDependencies(store: store, authenticator: APIKeyAuthenticator(store: store, cacheLifetime: .seconds(5)),
                                           metrics: HTTPMetrics(registry: PrometheusCollectorRegistry()), clock: fixture.dependencies.clock,
                                           settings: fixture.dependencies.settings)
            #expect(try await FeedbackSummaries.document(.status, other) == Array(try #require(try await store.feedbackSummary(FeedbackSummaries.storedName(.status), revision: scored)).utf8))
            // A reset moves the revision on, never back: once recomputed, nothing of the state before it is served.
            _ = try await store.resetLearnedState()
            let reset = try await store.feedbackRevision()
            #expect(reset > scored)
            #expect(try await eventually { try await documents() == [0, Int(reset), 0, Int(reset)] })
        }
    }

    @Test("""
        while the feedback loop has a leader, a status behind the learned state is served and left to the leader to refresh, \
        up to the bounds of revisions and time behind; past them, or once the leader's lease has ended, the route computes the current one
        """)
    func summariesLeftToTheLoopsLeader() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let store = fixture.store, now = fixture.dependencies.clock.now()
            func status() async throws -> Int? {
                try await client.execute(uri: "/api/v1/feedback/status", method: .get, headers: fixture.headers(.viewer)) { (response: TestResponse) async throws in
                    #expect(response.status == .ok, "\(response.text)")
                    return try response.json["revision"] as? Int
                }
            }
            func misses() -> Int { PredictionAPITests.lookups(fixture, cache: "feedback")["miss"] ?? 0 }
            func commit() async throws { _ = try await store.commitFeedback(FeedbackCommit(), at: now) }
            let first = try await store.feedbackRevision()
            #expect(try await status() == Int(first))
            #expect(try await store.acquireLeadership(name: FeedbackSummaries.loopLeadershipName, holder: "leader", until: now.adding(milliseconds: 60_000), at: now))
            #expect(try await store.leaseHolder(name: FeedbackSummaries.loopLeadershipName, at: now) == "leader")
            #expect(try await store.leaseHolder(name: FeedbackSummaries.loopLeadershipName, at: now.adding(milliseconds: 60_001)) == nil, "its term has ended")
            // Behind by one to the bound: the stored document, and no computation started.
            let before = misses()
            for _ in 0..<FeedbackSummaries.maximumRevisionsBehind { try await commit() }
            #expect(try await status() == Int(first))
            #expect(misses() == before, "left to the leader")
            // One more: past the bound, the route computes the current one itself.
            try await commit()
            let past = try await store.feedbackRevision()
            #expect(try await status() == Int(first))
            #expect(misses() == before + 1)
            #expect(try await eventually { try await status() == Int(past) })
            // The leader gives the loop up: nobody leads, so one commit is enough for the route to compute.
            try await store.releaseLeadership(name: FeedbackSummaries.loopLeadershipName, holder: "leader")
            #expect(try await store.leaseHolder(name: FeedbackSummaries.loopLeadershipName, at: now) == nil)
            try await commit()
            let released = try await store.feedbackRevision()
            #expect(try await status() == Int(past))
            #expect(try await eventually { try await status() == Int(released) })
            // A leader again, but one whose refreshes never come: once a process has served the same
            // stored document behind the state for longer than its watch allows, it computes the current one.
            #expect(try await store.acquireLeadership(name: FeedbackSummaries.loopLeadershipName, holder: "leader", until: now.adding(milliseconds: 60_000), at: now))
            try await commit()
            let stalled = try await store.feedbackRevision()
            var impatient = ServerDependencies(store: store, authenticator: APIKeyAuthenticator(store: store, cacheLifetime: .seconds(5)),
                                               metrics: HTTPMetrics(registry: PrometheusCollectorRegistry()), clock: fixture.dependencies.clock,
                                               settings: fixture.dependencies.settings)
            impatient.feedbackStaleness = StaleDocumentWatch(limit: .milliseconds(1))
            let storedName = FeedbackSummaries.storedName(.status)
            _ = try await FeedbackSummaries.document(.status, impatient)
            #expect(try await store.feedbackSummary(storedName, revision: stalled) == nil, "the first time behind: left to the leader")
            try await Task.sleep(for: .milliseconds(20))
            _ = try await FeedbackSummaries.document(.status, impatient)
            #expect(try await eventually { try await store.feedbackSummary(storedName, revision: stalled) != nil })
        }
    }

    @Test("a rollback puts the stream's previous champion back and retires the current one; a stream with no earlier champion is a 409")
    func rollback() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let first = FeedbackCycle.ModelSpecification(symbol: "BTC-USD", timeframe: "1h", horizon: "4h", fittedAt: Timestamp(iso8601: "2024-01-01T00:00:00Z")!)
            let second = FeedbackCycle.ModelSpecification(symbol: "BTC-USD", timeframe: "1h", horizon: "4h", fittedAt: Timestamp(iso8601: "2024-01-01T12:00:00Z")!)
            var commit = FeedbackCommit()
            commit.models = [
                ModelVersionRecord(name: first.name, role: .retired, parameters: first.json, createdAt: first.fittedAt, promotedAt: first.fittedAt),
                ModelVersionRecord(name: second.name, role: .champion, parameters: second.json, createdAt: second.fittedAt, promotedAt: second.fittedAt),
            ]
            try await fixture.store.commitFeedback(commit, at: second.fittedAt)
            let stream = "BTC-USD 1h 4h"
            let (status, body) = try await Self.post(client, fixture, "/api/v1/feedback/models/rollback", role: .admin, body: #"{"stream": "\#(stream)"}"#)
            #expect(status == 200, "\(body)")
            #expect(body["stream"] as? String == stream && body["restored"] as? String == first.name && body["retired"] as? String == second.name)
            let roles = Dictionary(uniqueKeysWithValues: try await fixture.store.modelVersions().map { ($0.name, $0.role) })
            #expect(roles[first.name] == .champion && roles[second.name] == .retired)
            // The version just retired once led too: a second rollback swaps them back.
            let (again, swapped) = try await Self.post(client, fixture, "/api/v1/feedback/models/rollback", role: .admin, body: #"{"stream": "\#(stream)"}"#)
            #expect(again == 200 && swapped["restored"] as? String == second.name, "\(swapped)")
            // A stream whose champion never had a predecessor has nothing to roll back to.
            let only = FeedbackCycle.ModelSpecification(symbol: "BTC-USD", timeframe: "1h", horizon: "1h", fittedAt: first.fittedAt)
            var single = FeedbackCommit()
            single.models = [ModelVersionRecord(name: only.name, role: .champion, parameters: only.json, createdAt: only.fittedAt, promotedAt: only.fittedAt)]
            try await fixture.store.commitFeedback(single, at: only.fittedAt)
            let (conflict, problem) = try await Self.post(client, fixture, "/api/v1/feedback/models/rollback", role: .admin, body: #"{"stream": "BTC-USD 1h 1h"}"#)
            #expect(conflict == 409, "\(problem)")
        }
    }
}
