import FeedbackLoop
import Foundation
@testable import HTTPServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SecuritySupervisor
import Testing
import TradingCore
import TradingEngine

@Suite("Dashboard: predictions and the feedback loop")
struct DashboardLearningTests {
    typealias Browser = DashboardTests.Browser

    @Test("the predictions page shows each horizon beside its baselines, stores them once, and the scored forecasts' figures; a bad field is shown next to it")
    func predictionsPage() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            try await PredictionAPITests.storeHourlyBars(fixture)
            _ = try await FeedbackAPITests.storeForecasts(fixture)
            _ = try await FeedbackCycle(store: fixture.store).score(now: fixture.dependencies.clock.now())
            let browser = Browser(client)
            _ = try await browser.signIn(fixture.keys[.viewer]!)
            let page = try await browser.send("/ui/predictions?symbol=ETH-TEST")
            #expect(page.status == 200 && page.text.contains("<td>1h</td>") && page.text.contains("<td>24h</td>") && page.text.contains("Baseline P(up) %"))
            #expect(page.text.contains("No forecast of ETH-TEST has been scored yet"))
            let stored = try await fixture.store.forecasts(symbol: Symbol("ETH-TEST")!, limit: 100)
            _ = try await browser.send("/ui/predictions?symbol=ETH-TEST")
            let again = try await fixture.store.forecasts(symbol: Symbol("ETH-TEST")!, limit: 100)
            #expect(!stored.isEmpty && again.count == stored.count)
            // BTC-USD's 30 bars are too few to forecast, but its two scored forecasts show.
            let scored = try await browser.send("/ui/predictions?symbol=BTC-USD")
            #expect(scored.status == 200 && scored.text.contains("class=\"notice\"") && scored.text.contains("id=\"reliability\""))
            #expect(scored.text.contains("<td>1h</td><td class=\"number\">1</td><td class=\"number\">0.0</td>"))
            for (query, reason) in [("symbol=%3Cb%3E", "must be 1"), ("symbol=ETH-TEST&timeframe=7m", "must be one of 1m"), ("symbol=NOPE", "no bars of NOPE are stored"),
                                    ("symbol=ETH-TEST&timeframe=1d", "ETH-TEST has 1h bars, not 1d")] {
                let bad = try await browser.send("/ui/predictions?\(query)")
                #expect(bad.status == 200 && bad.text.contains("field-error") && bad.text.contains(reason) && !bad.text.contains("Baseline P(up)"), "\(query)")
            }
            #expect(try await browser.send("/ui/predictions?colour=blue").status == 400)
        }
    }

    @Test("the feedback page shows the loop's state, the signals on a timeline, performance by horizon and regime, and the models' promotions")
    func feedbackPage() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let browser = Browser(client)
            _ = try await browser.signIn(fixture.keys[.viewer]!)
            #expect(try await browser.send("/ui/feedback").text.contains("No signal yet"))
            _ = try await FeedbackAPITests.storeForecasts(fixture)
            let now = fixture.dependencies.clock.now()
            _ = try await FeedbackCycle(store: fixture.store).score(now: now)
            var commit = FeedbackCommit()
            commit.signals = [LearningSignal(kind: .adaptation, subject: "BTC-USD 1h 4h", rule: "promotion",
                                             message: "challenger v2 promoted: <b>better</b>", evidence: ["gain": 0.1], time: now)]
            try await fixture.store.commitFeedback(commit, at: now)
            let page = try await browser.send("/ui/feedback")
            #expect(page.status == 200 && page.text.contains("id=\"signal-timeline\"") && page.text.components(separatedBy: "<circle").count == 4)
            #expect(page.text.contains("<td>1h</td><td>UNKNOWN</td><td class=\"number\">1</td><td class=\"number\">0.0</td>"))
            #expect(page.text.contains("challenger v2 promoted: &lt;b&gt;better&lt;/b&gt;") && !page.text.contains("<b>better</b>"))
            let adaptations = try await browser.send("/ui/feedback?kind=ADAPTATION")
            #expect(adaptations.text.components(separatedBy: "<circle").count == 2 && adaptations.text.contains("<strong>ADAPTATION</strong>"))
            #expect(try await browser.send("/ui/feedback?kind=NOPE").status == 400)
        }
    }

    @Test("the feedback page lists the system signatures worst first with their open anomalies, and charts each one's hours")
    func signaturesOnTheFeedbackPage() async throws {
        try await withServer { (fixture: ServerFixture, client: any TestClientProtocol) async throws in
            let browser = Browser(client)
            _ = try await browser.signIn(fixture.keys[.viewer]!)
            #expect(try await browser.send("/ui/feedback").text.contains("No signature yet"))
            let now = fixture.dependencies.clock.now()
            try await fixture.store.saveSystemSignatureCells([
                SignatureAPITests.cell(kind: .route, subject: "GET /api/v1/<status>", hour: 3, load: 6, operations: 1_000, failed: 0, updatedAt: now),
                SignatureAPITests.cell(kind: .route, subject: "GET /api/v1/<status>", hour: 14, load: 6, operations: 1_000, failed: 0, slowMilliseconds: 300, updatedAt: now),
                SignatureAPITests.cell(kind: .venue, subject: "binance GET /api/v3/time", hour: 3, load: 2, operations: 100, failed: 10, updatedAt: now),
            ])
            _ = try await fixture.store.reconcileAlerts([AlertObservation(fingerprint: "signature:venue:binance GET /api/v3/time", level: .error, source: .signature,
                                                                          title: "venue binance GET /api/v3/time: errors out of its signature", message: "10 of 40 failed")],
                                                        sources: [.signature], observer: AlertObserver(host: "h", role: "run:8080"), at: now)
            let page = try await browser.send("/ui/feedback").text
            let venue = try #require(page.range(of: "<td>binance GET /api/v3/time</td>")), route = try #require(page.range(of: "<td>GET /api/v1/&lt;status&gt;</td>"))
            #expect(venue.lowerBound < route.lowerBound, "worst first")
            #expect(page.contains("<td class=\"number\">90.00</td>") && page.contains("ERROR on h (run:8080): 10 of 40 failed"))
            #expect(page.contains("id=\"signature-heatmap\"") && page.components(separatedBy: "<rect").count == 4)
            #expect(!page.contains("<status>"))
        }
    }
}
