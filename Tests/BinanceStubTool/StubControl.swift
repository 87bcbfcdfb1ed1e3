import BinanceStub
import Foundation
import TradingCore

/// The stub's control channel for a scenario runner (`scripts/soak`): one command a line on
/// standard input, each answered by one line on standard output (`ok <command>` or
/// `error <command>: <reason>`), so faults land when the runner's schedule says, and the
/// exchange's record can be written out for the invariants at any time.
///
/// Commands:
/// - `rate-limit-storm COUNT RETRY_AFTER_SECONDS`: the next COUNT requests get a 429.
/// - `ban RETRY_AFTER_SECONDS`: the next request gets a 418, and every one until it ends.
/// - `error-after-accept`: the next new order is placed, then answered with a 500.
/// - `hold-after-accept SECONDS`: the next new order is placed, then its answer is held back for
///   SECONDS of wall time (the order is in flight: `faults_pending` in the record says when it arrived).
/// - `drop-streams`: every market-data and account connection is dropped without a close frame.
/// - `step-clock MILLISECONDS`: the exchange's clock jumps (a client must resynchronise).
/// - `corrupt SYMBOL`: a truncated kline frame and a frame that is not JSON, on the symbol's stream.
/// - `state FILE`: the exchange's record as JSON (orders, trades, balances, bars, counters).
/// - `stop`: the program writes its summary and ends (after the replay when it is still running).
struct StubControl: Sendable {
    let exchange: BinanceStubExchange
    let interval: String

    /// Applies one command; returns the answer line, and whether the program should stop.
    func apply(_ line: String) async -> (answer: String, stop: Bool) {
        let words = line.split(separator: " ").map(String.init)
        guard let command = words.first else { return ("error: empty command", false) }
        func count(_ index: Int) -> Int64? { words.count > index ? Int64(words[index]) : nil }
        switch command {
        case "rate-limit-storm":
            guard let requests = count(1), let seconds = count(2), requests > 0, seconds > 0 else { return ("error \(command): give COUNT and RETRY_AFTER_SECONDS", false) }
            for _ in 0..<requests { await exchange.inject(.rateLimit(retryAfterSeconds: Int(seconds))) }
        case "ban":
            guard let seconds = count(1), seconds > 0 else { return ("error \(command): give RETRY_AFTER_SECONDS", false) }
            await exchange.inject(.ban(retryAfterSeconds: Int(seconds)))
        case "error-after-accept":
            await exchange.inject(.serverErrorAfterAccept)
        case "hold-after-accept":
            guard let seconds = count(1), seconds > 0 else { return ("error \(command): give SECONDS", false) }
            await exchange.inject(.timeoutAfterAccept(delay: .seconds(seconds)))
        case "drop-streams":
            await exchange.dropStreamConnections()
            await exchange.dropAccountConnections()
        case "step-clock":
            guard let milliseconds = count(1) else { return ("error \(command): give MILLISECONDS", false) }
            await exchange.stepClock(byMilliseconds: milliseconds)
        case "corrupt":
            guard words.count == 2, await exchange.listings[words[1]] != nil else { return ("error \(command): give a listed SYMBOL", false) }
            let stream = "\(words[1].lowercased())@kline_\(interval)"
            await exchange.send("{\"stream\":\"\(stream)\",\"data\":{\"e\":\"kline\",\"E\":1,\"s\":\"\(words[1])\",\"k\":{\"t\":", to: stream)
            await exchange.send("\u{1}\u{2}not json at all", to: stream)
        case "state":
            guard words.count == 2 else { return ("error \(command): give FILE", false) }
            do {
                try await record().write(to: URL(fileURLWithPath: words[1]), options: .atomic)
            } catch {
                return ("error \(command): \(error)", false)
            }
        case "stop":
            return ("ok stop", true)
        default:
            return ("error \(command): unknown command", false)
        }
        return ("ok \(command)", false)
    }

    /// The exchange's record as sorted-key JSON: what the runner compares the ledger and the store with.
    func record() async throws -> Data {
        let orders = await exchange.orders.map { order -> [String: Any] in
            ["order_id": order.orderID, "client_order_id": order.clientOrderID, "symbol": order.symbol, "side": order.side, "type": order.type,
             "quantity": order.quantity.description, "executed": order.executed.description, "quote_executed": order.quoteExecuted.description,
             "status": order.status, "time": order.time]
        }
        let trades = await exchange.trades.map { trade -> [String: Any] in
            ["id": trade.id, "order_id": trade.orderID, "symbol": trade.symbol, "is_buyer": trade.isBuyer, "price": trade.price.description,
             "quantity": trade.quantity.description, "commission": trade.commission.description, "commission_asset": trade.commissionAsset, "time": trade.time]
        }
        let klines = await exchange.klines
        var bars: [String: [String: Any]] = [:]
        for (symbol, intervals) in klines {
            let series = intervals[interval] ?? []
            bars[symbol] = ["count": series.count, "first_open_time": series.first?.openTime.millisecondsSinceEpoch ?? 0,
                            "last_open_time": series.last?.openTime.millisecondsSinceEpoch ?? 0]
        }
        let record: [String: Any] = [
            "server_time": await exchange.serverTime, "orders": orders, "trades": trades,
            "balances": await exchange.balances.mapValues(\.description), "bars": bars,
            "new_order_requests": await exchange.newOrderRequests.values.reduce(0, +),
            "requests": await exchange.requestCount, "rate_limit_breaches": await exchange.limitBreaches,
            "stream_connections": await exchange.streamConnections, "account_connections": await exchange.accountConnections,
            "faults_pending": await exchange.pendingFaults, "ban_ends": await exchange.banEnds ?? 0,
        ]
        return try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
    }

    /// The commands of standard input, a line each, until it ends.
    static func commands() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let reader = Thread {
            while let line = readLine() {
                let command = line.trimmingCharacters(in: .whitespaces)
                if !command.isEmpty { continuation.yield(command) }
            }
            continuation.finish()
        }
        reader.start()
        return stream
    }
}
