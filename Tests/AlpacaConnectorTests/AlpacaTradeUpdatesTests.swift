@testable import AlpacaConnector
import AlpacaStub
import Foundation
import Testing
import TestSupport
import TradingCore
import TradingEngine

@Suite("Alpaca trade_updates stream against the stub broker", .serialized)
struct AlpacaTradeUpdatesTests {
    @Test("each execution reaches the session once, whether the stream or the polling tells of it first, in binary or text frames, whole or in two parts",
          arguments: [(true, 1), (false, 1), (true, 2)])
    func executionsOnce(binary: Bool, pieces: Int) async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        await fixture.broker.setBinaryFrames(binary)
        await fixture.broker.setPiecesPerFill(pieces)
        let updates = AlpacaTradeUpdates(url: fixture.endpoints.tradingStreamURL,
                                         credentials: AlpacaCredentials(keyID: AlpacaStubFixture.keyID, secret: AlpacaStubFixture.secret), venue: fixture.venue)
        var events = await updates.events().makeAsyncIterator()
        #expect(await events.next() == .listening(again: false))
        let reports = ReportCollector(await fixture.venue.executionReports())
        let symbol = Symbol("AAPL")!
        await fixture.venue.setReferencePrice(FixedDecimal(100), for: symbol)
        _ = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "stream-1", symbol: symbol, side: .buy, quantity: FixedDecimal(3)))
        await fixture.broker.trade(AlpacaStubFixture.bar("101", "102", "100", "101", at: Timestamp(millisecondsSinceEpoch: 1_700_000_060_000)), symbol: "AAPL")
        let fill = try await reports.first { $0.clientOrderID == "stream-1" && $0.kind == .fill }
        #expect(fill.fill?.price == FixedDecimal(101) && fill.cumulativeQuantity == FixedDecimal(3))
        // The polling path reads the same executions from the FILL activities: nothing more is reported.
        try await fixture.venue.synchronize()
        try await Task.sleep(for: .milliseconds(200))
        let all = await reports.all
        let executions = all.filter { $0.clientOrderID == "stream-1" && ($0.kind == .fill || $0.kind == .partialFill) }
        #expect(executions.count == pieces && executions.compactMap(\.fill).reduce(FixedDecimal.zero) { $0 + $1.quantity } == FixedDecimal(3))
        #expect(all.filter { $0.clientOrderID == "stream-1" && $0.kind == .accepted }.count == 1)
        let listed = try await fixture.venue.fills(symbol: symbol, since: Timestamp(millisecondsSinceEpoch: 0))
        #expect(Set(listed.map(\.tradeID)) == Set(executions.compactMap { $0.fill?.tradeID }))
        let received = await updates.eventsReceived, malformed = await updates.malformedFrames
        #expect(received == 1 + pieces && malformed == 0, "new and each execution")
    }

    @Test("a cancellation arrives through the stream; a dropped connection reconnects and listens again")
    func cancellationAndReconnect() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        let updates = AlpacaTradeUpdates(url: fixture.endpoints.tradingStreamURL,
                                         credentials: AlpacaCredentials(keyID: AlpacaStubFixture.keyID, secret: AlpacaStubFixture.secret), venue: fixture.venue)
        await updates.setReconnectDelays(initial: .milliseconds(10), maximum: .milliseconds(50))
        var events = await updates.events().makeAsyncIterator()
        #expect(await events.next() == .listening(again: false))
        await fixture.broker.dropTradeUpdateConnections()
        guard case .disconnected = await events.next() else { Issue.record("no disconnection"); return }
        #expect(await events.next() == .listening(again: true))
        let reports = ReportCollector(await fixture.venue.executionReports())
        let symbol = Symbol("AAPL")!
        _ = try await fixture.venue.submit(VenueOrderRequest(clientOrderID: "stream-2", symbol: symbol, side: .buy, type: .limit(Price(FixedDecimal(50))),
                                                             quantity: FixedDecimal(1)))
        // Cancelled at the broker by someone else (the web page): only the stream tells this process.
        let venueID = try #require(await fixture.broker.orders.first?.id)
        _ = await fixture.broker.answer(method: "DELETE", path: "/v2/orders/\(venueID)", query: [:],
                                        headers: ["apca-api-key-id": AlpacaStubFixture.keyID, "apca-api-secret-key": AlpacaStubFixture.secret], body: "")
        let cancelled = try await reports.first { $0.clientOrderID == "stream-2" && $0.kind == .cancelled }
        #expect(cancelled.reason == "Alpaca: canceled")
        #expect(await updates.reconnects == 1)
    }

    @Test("a refused key ends the connection with an error naming the settings; a malformed frame is counted, never fatal")
    func refusedKeyAndMalformedFrames() async throws {
        let fixture = try await AlpacaStubFixture.start()
        defer { fixture.stop() }
        let wrong = AlpacaTradeUpdates(url: fixture.endpoints.tradingStreamURL, credentials: AlpacaCredentials(keyID: "PKWRONG", secret: "nope-secret"),
                                       venue: fixture.venue)
        var events = await wrong.events().makeAsyncIterator()
        guard case .disconnected(let reason) = await events.next() else { Issue.record("a wrong key was not refused"); return }
        #expect(reason.contains("APCA_API_KEY_ID") && reason.contains("APCA_API_SECRET_KEY") && !reason.contains("nope-secret"), "\(reason)")
        let (stream, continuation) = AsyncStream<AlpacaTradeUpdates.Event>.makeStream()
        _ = stream
        for garbage in ["not json", "{\"stream\":", "[1,2]", "{\"stream\":\"trade_updates\",\"data\":{\"event\":\"fill\"}}"] {
            _ = try await wrong.handle(Array(garbage.utf8), again: false, continuation: continuation)
        }
        #expect(await wrong.malformedFrames == 3)
    }
}
