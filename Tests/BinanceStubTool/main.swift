import BinanceStub
import Foundation
import TestSupport
import TradingCore

// The stub exchange as a program, for local runs and the live benchmark (scripts/benchmark-live):
// it lists N symbols quoted in USDT, serves the recorded bars of OHLCV files as their history, then,
// once a client has connected its kline stream (and its account stream unless --no-account),
// replays the following bars of every symbol at --speed bars a second, stamped one bar length
// apart from the current minute on — a market that runs --speed × 60 times faster than the
// clock for 1-minute bars, while signatures and rate windows keep the wall clock; with
// --virtual-clock the exchange's own clock (server time, receive windows, rate windows) runs with
// the market instead, for a client on the venue's clock (`orchestrator run --clock venue`). It prints a JSON
// summary at the end: bars published, orders, trades, rate-limit breaches, and the time from each
// bar's last closing kline handed to the connections to the first order that followed it.
//
// Usage: binance-stub (--data FILE[,FILE…] | --random-walk SEED) [--symbols 20] [--history 330] [--bars 1440]
//                     [--speed 1] [--port 0] [--interval 1m] [--no-account] [--settle 5] [--virtual-clock]
//                     [--symbol-names BTCUSDT,…] [--control]
// --random-walk makes each symbol a seeded random walk (±0.2 % a bar) instead of recorded bars.
// --symbol-names lists the symbols by name (quoted in USDT) instead of S01USDT, S02USDT…
// --control takes commands on standard input (faults, the exchange's record; see StubControl) and,
// after the replay, keeps the exchange open until `stop` or the end of its input.

struct Options {
    var files: [String] = []
    var randomWalkSeed: UInt64?
    var symbols = 20
    var history = 330
    var bars = 1440
    var speed = 1.0
    var port = 0
    var interval = "1m"
    var waitForAccount = true
    var settleSeconds = 5.0
    var virtualClock = false
    var symbolNames: [String] = []
    var control = false
}

let program = StubProgram(name: "binance-stub")
var options = Options()
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    func value() -> String {
        guard let next = arguments.popFirst() else { program.fail("\(argument) needs a value") }
        return next
    }
    switch argument {
    case "--data": options.files = value().split(separator: ",").map(String.init)
    case "--random-walk": options.randomWalkSeed = program.number(value(), "--random-walk takes a seed")
    case "--symbols": options.symbols = program.number(value(), "--symbols takes a whole number")
    case "--history": options.history = program.number(value(), "--history takes a whole number")
    case "--bars": options.bars = program.number(value(), "--bars takes a whole number")
    case "--speed": options.speed = program.number(value(), "--speed takes a number of bars a second")
    case "--port": options.port = program.number(value(), "--port takes a port")
    case "--interval": options.interval = value()
    case "--no-account": options.waitForAccount = false
    case "--settle": options.settleSeconds = program.number(value(), "--settle takes seconds")
    case "--virtual-clock": options.virtualClock = true
    case "--symbol-names":
        options.symbolNames = value().split(separator: ",").map(String.init)
        options.symbols = options.symbolNames.count
    case "--control": options.control = true
    default: program.fail("unknown argument \(argument)")
    }
}
guard !options.files.isEmpty || options.randomWalkSeed != nil else { program.fail("give --data FILE[,FILE…] (OHLCV CSV files with a header) or --random-walk SEED") }
guard let timeframe = Timeframe(rawValue: options.interval) else { program.fail("--interval \(options.interval) is not a timeframe") }
for name in options.symbolNames where !(name.count > 4 && name.hasSuffix("USDT") && name.allSatisfy { $0.isUppercase || $0.isNumber }) {
    program.fail("--symbol-names: \(name) is not a symbol quoted in USDT (such as BTCUSDT)")
}
guard options.speed > 0, options.symbols > 0, options.bars > 0, options.history > 0 else { program.fail("--speed, --symbols, --bars and --history must be positive") }

/// One file's rows as (open, high, low, close, volume), rescaled so that its first close is 10,000 (two decimals keep 1e-6 of it):
/// returns are kept, and quantities and notionals fall within the listings' filters.
func rows(of path: String) -> [(Double, Double, Double, Double, Double)] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { program.fail("cannot read \(path)") }
    var result: [(Double, Double, Double, Double, Double)] = []
    for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() where number > 0 {
        let fields = line.split(separator: ",").dropFirst().compactMap { Double($0) }
        guard fields.count >= 4 else { program.fail("\(path):\(number + 1): expected timestamp,open,high,low,close[,volume]") }
        result.append((fields[0], fields[1], fields[2], fields[3], fields.count > 4 ? fields[4] : 0))
    }
    guard let first = result.first, first.3 > 0 else { program.fail("\(path): no rows") }
    let scale = 10_000 / first.3
    return result.map { ($0.0 * scale, $0.1 * scale, $0.2 * scale, $0.3 * scale, $0.4) }
}

let needed = options.history + options.bars
let tables = options.randomWalkSeed.map { seed in
    (0..<options.symbols).map { StubProgram.randomWalk(seed: seed &+ UInt64($0), count: needed).map { ($0.open, $0.high, $0.low, $0.close, 3.0) } }
}
    ?? options.files.map(rows(of:))
let grid = timeframe.milliseconds
let now = Int64(Date().timeIntervalSince1970 * 1_000)
// History closes two bars before this bar's start; the replay follows it bar by bar.
let firstReplayOpen = (now / grid) * grid - grid
let text = { (value: Double) in String(format: "%.2f", max(value, 0.01)) }
var histories: [String: [Bar]] = [:]
var replays: [String: [Bar]] = [:]
var listings: [BinanceStubExchange.Listing] = []
for index in 0..<options.symbols {
    // Symbol k takes file k mod F from row (k div F) × needed, so no two symbols share bars.
    let table = tables[index % tables.count]
    let offset = (index / tables.count) * needed
    guard offset + needed <= table.count else {
        program.fail("file \(index % tables.count + 1) has \(table.count) rows; symbol \(index + 1) needs rows \(offset + 1)–\(offset + needed)")
    }
    let symbol = index < options.symbolNames.count ? options.symbolNames[index] : String(format: "S%02dUSDT", index + 1)
    listings.append(.init(symbol: symbol, baseAsset: String(symbol.dropLast(4)), quoteAsset: "USDT", stepSize: FixedDecimal("0.001")!,
                          minimumQuantity: FixedDecimal("0.001")!, maximumQuantity: FixedDecimal(1_000_000)))
    var bars: [Bar] = []
    for row in 0..<needed {
        let (open, high, low, close, volume) = table[offset + row]
        let openTime = firstReplayOpen + Int64(row - options.history) * grid
        let top = max(high, open, close), bottom = min(low, open, close)
        guard let bar = try? Bar(openTime: Timestamp(millisecondsSinceEpoch: openTime), open: Price(text(open))!, high: Price(text(top))!,
                                 low: Price(text(bottom))!, close: Price(text(close))!, volume: Quantity(FixedDecimal(String(format: "%.4f", volume)) ?? .zero))
        else { program.fail("row \(offset + row + 2) of file \(index % tables.count + 1) is not a valid bar") }
        bars.append(bar)
    }
    histories[symbol] = Array(bars.prefix(options.history))
    replays[symbol] = Array(bars.suffix(options.bars))
}

// The documentation's HMAC test key (the orchestrator reads BINANCE_API_KEY and BINANCE_API_SECRET).
let apiKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
let secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
// On the virtual clock the first replayed bar has just closed when the market starts, and each next one closes as it is published.
let marketClock = options.virtualClock ? BinanceStubMarketClock(origin: firstReplayOpen + grid, scale: options.speed * Double(grid) / 1_000) : nil
let exchange = marketClock.map { clock in
    BinanceStubExchange(listings: listings, balances: ["USDT": FixedDecimal(1_000_000)], hmacSecrets: [apiKey: secret], clock: { clock.now() })
} ?? BinanceStubExchange(listings: listings, balances: ["USDT": FixedDecimal(1_000_000)], hmacSecrets: [apiKey: secret])
for (symbol, bars) in histories {
    await exchange.setHistory(bars, symbol: symbol, interval: options.interval)
    // The last price before the replay, for market orders and their notional.
    _ = await exchange.trade(bars.last!, symbol: symbol)
}
let server = BinanceStubServer(exchange: exchange, port: options.port)
try await server.start()
program.say("listening on 127.0.0.1:\(server.port)")
program.say("symbols \(listings.map(\.symbol).joined(separator: ","))")

// Commands apply as they arrive, during the wait, the replay and after it.
let stopped = StubStopSignal()
if options.control {
    let control = StubControl(exchange: exchange, interval: options.interval)
    Task {
        for await command in StubControl.commands() {
            let (answer, stop) = await control.apply(command)
            program.say(answer)
            if stop { break }
        }
        stopped.signal()
    }
}

// The market starts once the client listens.
while true {
    let streams = await exchange.openStreamConnections, accounts = await exchange.openAccountSubscriptions
    if streams > 0 && (accounts > 0 || !options.waitForAccount) { break }
    try await Task.sleep(for: .milliseconds(20))
}
program.say("replaying \(options.bars) bars of \(options.symbols) symbols at \(options.speed) bars/s")
let clock = ContinuousClock()
let started = clock.now
marketClock?.start()
var barSent: [UInt64] = []
for index in 0..<options.bars {
    try await clock.sleep(until: started + .nanoseconds(Int64(Double(index) / options.speed * 1e9)))
    for listing in listings { _ = await exchange.trade(replays[listing.symbol]![index], symbol: listing.symbol, interval: options.interval) }
    barSent.append(DispatchTime.now().uptimeNanoseconds)
}
program.say("replayed \(options.bars) bars")
try await Task.sleep(for: .seconds(options.settleSeconds))
if options.control { await stopped.wait() }

// Each bar's latency: from its last closing kline handed to the connections to the first order after it (before the next bar).
let arrivals = await exchange.orderArrivals
let latency = StubProgram.barToOrder(barSent: barSent, arrivals: arrivals)
let summary: [String: Any] = [
    "symbols": options.symbols, "bars_published": options.bars, "history_bars": options.history, "speed_bars_per_second": options.speed,
    "replay_seconds": Double((clock.now - started).components.seconds) + Double((clock.now - started).components.attoseconds) / 1e18,
    "orders": await exchange.ordersPlaced, "order_requests": arrivals.count, "trades": await exchange.trades.count,
    "orders_sent_twice": await exchange.newOrderRequests.values.filter { $0 > 1 }.count,
    "rate_limit_breaches": await exchange.limitBreaches, "requests": await exchange.requestCount,
    "bars_with_orders": latency.bars, "bar_to_order_ms": latency.milliseconds,
]
let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
program.say(String(decoding: data, as: UTF8.self))
server.stop()
