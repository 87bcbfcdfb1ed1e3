import BinanceStub
import Foundation
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
// --random-walk makes each symbol a seeded random walk (±0.2 % a bar) instead of recorded bars.

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
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("binance-stub: \(message)\n".utf8))
    exit(64)
}

/// Writes a line to standard output at once (a script waits for these lines).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// The text as a number, or the usage error.
func number<Value: LosslessStringConvertible>(_ text: String, _ message: String) -> Value {
    guard let value = Value(text) else { fail(message) }
    return value
}

var options = Options()
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    func value() -> String {
        guard let next = arguments.popFirst() else { fail("\(argument) needs a value") }
        return next
    }
    switch argument {
    case "--data": options.files = value().split(separator: ",").map(String.init)
    case "--random-walk": options.randomWalkSeed = number(value(), "--random-walk takes a seed")
    case "--symbols": options.symbols = number(value(), "--symbols takes a whole number")
    case "--history": options.history = number(value(), "--history takes a whole number")
    case "--bars": options.bars = number(value(), "--bars takes a whole number")
    case "--speed": options.speed = number(value(), "--speed takes a number of bars a second")
    case "--port": options.port = number(value(), "--port takes a port")
    case "--interval": options.interval = value()
    case "--no-account": options.waitForAccount = false
    case "--settle": options.settleSeconds = number(value(), "--settle takes seconds")
    case "--virtual-clock": options.virtualClock = true
    default: fail("unknown argument \(argument)")
    }
}
guard !options.files.isEmpty || options.randomWalkSeed != nil else { fail("give --data FILE[,FILE…] (OHLCV CSV files with a header) or --random-walk SEED") }
guard let timeframe = Timeframe(rawValue: options.interval) else { fail("--interval \(options.interval) is not a timeframe") }
guard options.speed > 0, options.symbols > 0, options.bars > 0, options.history > 0 else { fail("--speed, --symbols, --bars and --history must be positive") }

/// One file's rows as (open, high, low, close, volume), rescaled so that its first close is 10,000 (two decimals keep 1e-6 of it):
/// returns are kept, and quantities and notionals fall within the listings' filters.
func rows(of path: String) -> [(Double, Double, Double, Double, Double)] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fail("cannot read \(path)") }
    var result: [(Double, Double, Double, Double, Double)] = []
    for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() where number > 0 {
        let fields = line.split(separator: ",").dropFirst().compactMap { Double($0) }
        guard fields.count >= 4 else { fail("\(path):\(number + 1): expected timestamp,open,high,low,close[,volume]") }
        result.append((fields[0], fields[1], fields[2], fields[3], fields.count > 4 ? fields[4] : 0))
    }
    guard let first = result.first, first.3 > 0 else { fail("\(path): no rows") }
    let scale = 10_000 / first.3
    return result.map { ($0.0 * scale, $0.1 * scale, $0.2 * scale, $0.3 * scale, $0.4) }
}

/// A seeded random walk from 10,000 moving up to ±0.2 % a bar (SplitMix64), for a market that trades whatever the strategy.
func randomWalk(seed: UInt64, count: Int) -> [(Double, Double, Double, Double, Double)] {
    var state = seed
    func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
    var price = 10_000.0
    return (0..<count).map { _ in
        let open = price
        price *= 1 + (next() * 2 - 1) * 0.002
        return (open, max(open, price) * 1.0005, min(open, price) * 0.9995, price, 3)
    }
}

let needed = options.history + options.bars
let tables = options.randomWalkSeed.map { seed in (0..<options.symbols).map { randomWalk(seed: seed &+ UInt64($0), count: needed) } }
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
        fail("file \(index % tables.count + 1) has \(table.count) rows; symbol \(index + 1) needs rows \(offset + 1)–\(offset + needed)")
    }
    let symbol = String(format: "S%02dUSDT", index + 1)
    listings.append(.init(symbol: symbol, baseAsset: String(format: "S%02d", index + 1), quoteAsset: "USDT", stepSize: FixedDecimal("0.001")!,
                          minimumQuantity: FixedDecimal("0.001")!, maximumQuantity: FixedDecimal(1_000_000)))
    var bars: [Bar] = []
    for row in 0..<needed {
        let (open, high, low, close, volume) = table[offset + row]
        let openTime = firstReplayOpen + Int64(row - options.history) * grid
        let top = max(high, open, close), bottom = min(low, open, close)
        guard let bar = try? Bar(openTime: Timestamp(millisecondsSinceEpoch: openTime), open: Price(text(open))!, high: Price(text(top))!,
                                 low: Price(text(bottom))!, close: Price(text(close))!, volume: Quantity(FixedDecimal(String(format: "%.4f", volume)) ?? .zero))
        else { fail("row \(offset + row + 2) of file \(index % tables.count + 1) is not a valid bar") }
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
say("listening on 127.0.0.1:\(server.port)")
say("symbols \(listings.map(\.symbol).joined(separator: ","))")

// The market starts once the client listens.
while true {
    let streams = await exchange.openStreamConnections, accounts = await exchange.openAccountSubscriptions
    if streams > 0 && (accounts > 0 || !options.waitForAccount) { break }
    try await Task.sleep(for: .milliseconds(20))
}
say("replaying \(options.bars) bars of \(options.symbols) symbols at \(options.speed) bars/s")
let clock = ContinuousClock()
let started = clock.now
marketClock?.start()
var barSent: [UInt64] = []
for index in 0..<options.bars {
    try await clock.sleep(until: started + .nanoseconds(Int64(Double(index) / options.speed * 1e9)))
    for listing in listings { _ = await exchange.trade(replays[listing.symbol]![index], symbol: listing.symbol, interval: options.interval) }
    barSent.append(DispatchTime.now().uptimeNanoseconds)
}
try await Task.sleep(for: .seconds(options.settleSeconds))

// Each bar's latency: from its last closing kline handed to the connections to the first order after it (before the next bar).
let arrivals = await exchange.orderArrivals
var latencies: [Double] = []
for (index, sent) in barSent.enumerated() {
    let next = index + 1 < barSent.count ? barSent[index + 1] : UInt64.max
    if let first = arrivals.first(where: { $0 >= sent && $0 < next }) { latencies.append(Double(first - sent) / 1e6) }
}
let sorted = latencies.sorted()
/// The nearest-rank percentile of the latencies.
func percentile(_ p: Double, of values: [Double]) -> Double? {
    values.isEmpty ? nil : values[min(values.count - 1, max(0, Int((Double(values.count) * p).rounded(.up)) - 1))]
}
let summary: [String: Any] = [
    "symbols": options.symbols, "bars_published": options.bars, "history_bars": options.history, "speed_bars_per_second": options.speed,
    "replay_seconds": Double((clock.now - started).components.seconds) + Double((clock.now - started).components.attoseconds) / 1e18,
    "orders": await exchange.ordersPlaced, "order_requests": arrivals.count, "trades": await exchange.trades.count,
    "orders_sent_twice": await exchange.newOrderRequests.values.filter { $0 > 1 }.count,
    "rate_limit_breaches": await exchange.limitBreaches, "requests": await exchange.requestCount,
    "bars_with_orders": latencies.count,
    "bar_to_order_ms": ["p50": percentile(0.5, of: sorted) as Any, "p99": percentile(0.99, of: sorted) as Any, "max": sorted.last as Any],
]
let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
say(String(decoding: data, as: UTF8.self))
server.stop()
