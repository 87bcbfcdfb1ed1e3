import AlpacaStub
import Foundation
import TestSupport
import TradingCore

// The stub broker as a program, for local runs without an Alpaca key and the live benchmark
// (`VENUE=alpaca scripts/benchmark-live`): it lists N crypto pairs quoted in USD (S01/USD…, which
// trade around the clock), serves seeded random-walk minute bars as their history, then, once a
// client has subscribed to bars and listens to trade_updates (unless --no-account), replays the
// following bars at --speed bars a second, stamped one minute apart from the current minute on;
// before each bar is published the market trades it, filling the working orders at its open. It
// prints a JSON summary at the end: bars published, orders, fills, orders sent twice, 429s, and the
// time from each bar's last message handed to the connection to the first order request after it.
//
// Usage: alpaca-stub [--symbols 20] [--history 330] [--bars 120] [--speed 1] [--port 0] [--seed 7] [--no-account] [--settle 5]
// The key it accepts: APCA_API_KEY_ID=PKSTUBKEY0000000000, APCA_API_SECRET_KEY=stub-secret-for-local-runs-only.

struct Options {
    var symbols = 20
    var history = 330
    var bars = 120
    var speed = 1.0
    var port = 0
    var seed: UInt64 = 7
    var waitForAccount = true
    var settleSeconds = 5.0
}

let program = StubProgram(name: "alpaca-stub")
var options = Options()
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    func value() -> String {
        guard let next = arguments.popFirst() else { program.fail("\(argument) needs a value") }
        return next
    }
    switch argument {
    case "--symbols": options.symbols = program.number(value(), "--symbols takes a whole number")
    case "--history": options.history = program.number(value(), "--history takes a whole number")
    case "--bars": options.bars = program.number(value(), "--bars takes a whole number")
    case "--speed": options.speed = program.number(value(), "--speed takes a number of bars a second")
    case "--port": options.port = program.number(value(), "--port takes a port")
    case "--seed": options.seed = program.number(value(), "--seed takes a whole number")
    case "--no-account": options.waitForAccount = false
    case "--settle": options.settleSeconds = program.number(value(), "--settle takes seconds")
    default: program.fail("unknown argument \(argument)")
    }
}
guard options.speed > 0, options.symbols > 0, options.bars > 0, options.history > 0 else { program.fail("--speed, --symbols, --bars and --history must be positive") }

/// The seeded random walk as minute bars from `firstOpen`, prices to the cent, volume 3.
func randomWalk(seed: UInt64, count: Int, firstOpen: Int64) -> [Bar] {
    let text = { (value: Double) in Price(String(format: "%.2f", value))! }
    return StubProgram.randomWalk(seed: seed, count: count).enumerated().map { index, row in
        try! Bar(openTime: Timestamp(millisecondsSinceEpoch: firstOpen + Int64(index) * 60_000), open: text(row.open), high: text(row.high),
                 low: text(row.low), close: text(row.close), volume: Quantity(FixedDecimal(3)))
    }
}

let now = Int64(Date().timeIntervalSince1970 * 1_000)
// History closes two minutes before this minute's start; the replay follows it minute by minute.
let firstReplayOpen = now - now % 60_000 - 60_000
let names = (1...options.symbols).map { String(format: "S%02d/USD", $0) }
var histories: [String: [Bar]] = [:], replays: [String: [Bar]] = [:]
for (index, name) in names.enumerated() {
    let bars = randomWalk(seed: options.seed &+ UInt64(index), count: options.history + options.bars,
                          firstOpen: firstReplayOpen - Int64(options.history) * 60_000)
    histories[name] = Array(bars.prefix(options.history))
    replays[name] = Array(bars.suffix(options.bars))
}
let keyID = "PKSTUBKEY0000000000", secret = "stub-secret-for-local-runs-only"
let broker = AlpacaStubBroker(assets: names.map { AlpacaStubBroker.Asset(symbol: $0) }, cash: FixedDecimal(1_000_000), keyID: keyID, secret: secret)
for name in names { await broker.setBars(histories[name]!, symbol: name) }
let server = AlpacaStubServer(broker: broker, port: options.port)
try await server.start()
program.say("listening on 127.0.0.1:\(server.port)")
program.say("symbols \(names.map { $0.replacingOccurrences(of: "/", with: "-") }.joined(separator: ","))")

// The market starts once the client has subscribed to bars (and listens to trade_updates).
while true {
    let streaming = await broker.barSubscriberCount > 0, listening = await broker.listenerCount > 0
    if streaming && (listening || !options.waitForAccount) { break }
    try await Task.sleep(for: .milliseconds(20))
}
program.say("replaying \(options.bars) bars of \(options.symbols) symbols at \(options.speed) bars/s")
let clock = ContinuousClock()
let started = clock.now
var barSent: [UInt64] = []
for index in 0..<options.bars {
    try await clock.sleep(until: started + .nanoseconds(Int64(Double(index) / options.speed * 1e9)))
    for name in names {
        let bar = replays[name]![index]
        await broker.trade(bar, symbol: name)
        await broker.publishBar(bar, symbol: name)
    }
    barSent.append(DispatchTime.now().uptimeNanoseconds)
}
try await Task.sleep(for: .seconds(options.settleSeconds))

// Each bar's latency: from its last message handed to the connection to the first order request after it (before the next bar).
let arrivals = await broker.orderArrivals
let latency = StubProgram.barToOrder(barSent: barSent, arrivals: arrivals)
let summary: [String: Any] = [
    "symbols": options.symbols, "bars_published": options.bars, "history_bars": options.history, "speed_bars_per_second": options.speed,
    "replay_seconds": Double((clock.now - started).components.seconds) + Double((clock.now - started).components.attoseconds) / 1e18,
    "orders": await broker.orders.count, "order_requests": arrivals.count, "fills": await broker.fills.count,
    "orders_sent_twice": await broker.submissions.values.filter { $0 > 1 }.count,
    "rate_limited_responses": await broker.rateLimitedCount, "requests": await broker.requestCount,
    "bars_with_orders": latency.bars, "bar_to_order_ms": latency.milliseconds,
]
let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
program.say(String(decoding: data, as: UTF8.self))
server.stop()
