import AlpacaConnector
import BinanceConnector
import Foundation
import Logging
import TradingCore
import TradingEngine

/// `orchestrator venue check --venue binance|alpaca`: in one command, whether the configuration
/// works — endpoints reached and the clock offset, the key's kind and permissions (never the key),
/// the account (Alpaca: status, pattern-day-trader flag, market hours), balances, each symbol's
/// rules, and the rate limits. Nothing is traded.
public enum VenueCheckCommand {
    /// One check's outcome.
    struct Check {
        let name: String
        let ok: Bool
        let detail: String
    }

    /// Runs the checks; `failed` when one did not pass.
    public static func run(_ configuration: OrchestratorConfiguration, venue: String, symbols: [String], environment: [String: String],
                           logger: Logger) async throws -> (output: AdministrationCommands.Output, failed: Bool) {
        switch venue {
        case "binance": return try await binance(configuration, symbols: symbols, environment: environment, logger: logger)
        case "alpaca": return try await alpaca(configuration, symbols: symbols, environment: environment, logger: logger)
        default: throw VenueCheckError(description: "--venue must be binance or alpaca (paper needs no check)")
        }
    }

    /// The checks' output: one JSON object (with `checks` and `ok` added) and one row per check.
    static func output(_ json: [(String, JSONValue)], checks: [Check]) -> (output: AdministrationCommands.Output, failed: Bool) {
        var json = json
        let failed = checks.contains { !$0.ok }
        json.append(("checks", .array(checks.map { .object([("name", .string($0.name)), ("ok", .bool($0.ok)), ("detail", .string($0.detail))]) })))
        json.append(("ok", .bool(!failed)))
        return (AdministrationCommands.Output(json: .object(json), columns: ["check", "ok", "detail"], rows: checks.map { [$0.name, $0.ok ? "yes" : "NO", $0.detail] },
                                              footer: failed ? "Some checks failed." : "The configuration works."), failed)
    }

    /// The rules of `symbols` at `venue` as JSON, a check for each (one failed check when they cannot be read).
    static func symbolRules(_ symbols: [Symbol], venue: any ExecutionVenue, checks: inout [Check]) async -> [JSONValue] {
        guard !symbols.isEmpty else { return [] }
        do {
            let rules = try await venue.instrumentRules(for: symbols)
            return symbols.compactMap { symbol in
                guard let found = rules[symbol] else { return nil }
                let checked = rule(found, symbol: symbol)
                checks.append(checked.check)
                return checked.json
            }
        } catch {
            checks.append(Check(name: "symbols", ok: false, detail: "\(error)"))
            return []
        }
    }

    /// A symbol's rules as JSON and as a check.
    static func rule(_ rule: InstrumentRules, symbol: Symbol) -> (json: JSONValue, check: Check) {
        (.object([("symbol", .string(symbol.rawValue)), ("base_asset", .string(rule.baseAsset)), ("quote_asset", .string(rule.quoteAsset)),
                  ("tick_size", .string(rule.tickSize.description)), ("step_size", .string(rule.stepSize.description)),
                  ("min_quantity", .string(rule.minimumQuantity.description)),
                  ("min_notional", .string(rule.minimumNotional.description)), ("trading", .bool(rule.isTrading))]),
         Check(name: "symbol.\(symbol.rawValue)", ok: rule.isTrading,
               detail: "tick \(rule.tickSize), step \(rule.stepSize), min notional \(rule.minimumNotional) \(rule.quoteAsset)\(rule.isTrading ? "" : ", NOT trading now")"))
    }

    /// Balances as JSON and as a check.
    static func balances(_ all: [String: VenueBalance]) -> (json: JSONValue, check: Check) {
        let balances = all.values.filter { !$0.total.isZero }.sorted { $0.asset < $1.asset }
        return (.array(balances.map { .object([("asset", .string($0.asset)), ("free", .string($0.free.description)), ("locked", .string($0.locked.description))]) }),
                Check(name: "account.balances", ok: true, detail: balances.map { "\($0.asset) \($0.total)" }.joined(separator: ", ")))
    }

    /// The clock offset check: beyond 1 s plus half the round trip, this machine's clock is wrong.
    static func clockOffset(_ offset: Int64, roundTripMilliseconds: Double, name: String) -> Check {
        let uncertainty = Int64(roundTripMilliseconds / 2)
        return Check(name: name, ok: abs(offset) <= 1_000 + uncertainty,
                     detail: "\(offset) ± \(uncertainty) ms (beyond 1000 ms this machine's clock needs NTP)")
    }

    static func alpaca(_ configuration: OrchestratorConfiguration, symbols: [String], environment: [String: String],
                       logger: Logger) async throws -> (output: AdministrationCommands.Output, failed: Bool) {
        let wiring = try AlpacaWiring(settings: configuration.alpaca, environment: environment, clock: { SystemClock().now() }, logger: logger)
        var checks: [Check] = []
        var json: [(String, JSONValue)] = [("venue", .string("alpaca")), ("live", .bool(wiring.tradesRealMoney)),
                                           ("data_url", .string(wiring.endpoints.dataURL)), ("stream_url", .string(wiring.endpoints.streamURL)),
                                           ("trading_url", .string(wiring.endpoints.tradingURL)), ("trading_stream_url", .string(wiring.endpoints.tradingStreamURL)),
                                           ("feed", .string(wiring.stockFeed.rawValue))]
        guard wiring.hasCredentials else {
            checks.append(Check(name: "key", ok: false, detail: "no key: set \(wiring.keyAdvice)"))
            return output(json, checks: checks)
        }
        // The trading endpoint, the key, and the broker's clock and market hours.
        do {
            let started = ContinuousClock.now
            let reading = try await wiring.calendar.marketClock()
            let milliseconds = (ContinuousClock.now - started).milliseconds
            let local = SystemClock().now().millisecondsSinceEpoch - Int64(milliseconds / 2)
            let offset = reading.clock.time.millisecondsSinceEpoch - local
            checks.append(Check(name: "trading.reachable", ok: true, detail: String(format: "/v2/clock in %.0f ms", milliseconds)))
            checks.append(clockOffset(offset, roundTripMilliseconds: milliseconds, name: "trading.clock_offset"))
            json.append(("clock_offset_ms", .integer(offset)))
            json.append(("market_open", .bool(reading.clock.isOpen)))
            checks.append(Check(name: "market.hours", ok: true, detail: reading.clock.isOpen
                ? "open; closes \(reading.clock.nextClose?.iso8601 ?? "?")" : "closed; opens \(reading.clock.nextOpen?.iso8601 ?? "?") (stock orders wait for it; crypto trades around the clock)"))
        } catch {
            checks.append(Check(name: "trading.reachable", ok: false, detail: "\(error)"))
        }
        let venue = AlpacaVenue(rest: wiring.tradingREST, clock: { SystemClock().now() }, logger: logger)
        do {
            let account = try await wiring.tradingREST.get("/v2/account").body
            let blocked = account["trading_blocked"]?.bool == true || account["account_blocked"]?.bool == true
            checks.append(Check(name: "account.status", ok: account["status"]?.string == "ACTIVE" && !blocked,
                                detail: "\(account["status"]?.string ?? "?")\(blocked ? ", trading BLOCKED" : "")"))
            let patternDayTrader = account["pattern_day_trader"]?.bool == true
            json.append(("pattern_day_trader", .bool(patternDayTrader)))
            json.append(("buying_power", .string(account["buying_power"]?.decimalText ?? "?")))
            checks.append(Check(name: "account.pattern_day_trader", ok: true,
                                detail: patternDayTrader ? "flagged: under $25,000 of equity day trades are refused" : "not flagged"))
            let balances = balances(try await venue.balances())
            json.append(("balances", balances.json))
            checks.append(balances.check)
        } catch {
            checks.append(Check(name: "key.account", ok: false, detail: "\(error)"))
        }
        // Symbols and their rules, then a bar of market data for the first (the data endpoint and the key's plan).
        let parsed = symbols.compactMap(Symbol.init)
        let rulesJSON = await symbolRules(parsed, venue: venue, checks: &checks)
        if let first = parsed.first, !rulesJSON.isEmpty {
            do {
                let now = SystemClock().now()
                let bars = try await AlpacaBarHistory(rest: wiring.dataREST, feed: wiring.stockFeed)
                    .bars(first, timeframe: .oneDay, range: now.adding(milliseconds: -10 * 86_400_000)..<now)
                checks.append(Check(name: "market_data.bars", ok: !bars.isEmpty,
                                    detail: bars.last.map { "\(bars.count) daily bars of \(first.rawValue) in 10 days, the last opened \($0.openTime.iso8601)" }
                                        ?? "no daily bar of \(first.rawValue) in 10 days"))
            } catch {
                checks.append(Check(name: "market_data.bars", ok: false, detail: "\(error)"))
            }
        }
        json.append(("symbols", .array(rulesJSON)))
        json.append(("rate_limits", .array([.object([("type", .string("REQUEST")), ("window_ms", .integer(60_000)),
                                                     ("limit", .integer(Int64(await wiring.budget.allowed))),
                                                     ("used", .integer(Int64(await wiring.budget.usedInLastMinute)))])])))
        return output(json, checks: checks)
    }

    static func binance(_ configuration: OrchestratorConfiguration, symbols: [String], environment: [String: String],
                        logger: Logger) async throws -> (output: AdministrationCommands.Output, failed: Bool) {
        let wiring = try BinanceWiring(settings: configuration.binance, environment: environment, clock: { SystemClock().now() }, logger: logger)
        var checks: [Check] = []
        var json: [(String, JSONValue)] = [("venue", .string("binance")), ("live", .bool(wiring.endpoints.live)),
                                           ("rest_url", .string(wiring.endpoints.restURL)), ("trading_rest_url", .string(wiring.endpoints.tradingRESTURL)),
                                           ("stream_url", .string(wiring.endpoints.streamURL))]
        // Market data endpoint and clock.
        do {
            let started = ContinuousClock.now
            let offset = try await wiring.marketREST.synchroniseClock()
            let milliseconds = (ContinuousClock.now - started).milliseconds
            checks.append(Check(name: "market_data.reachable", ok: true, detail: String(format: "server time in %.0f ms", milliseconds)))
            // The offset is known to within half the round trip: only an offset beyond that and 1 s is this machine's clock.
            checks.append(clockOffset(offset, roundTripMilliseconds: milliseconds, name: "market_data.clock_offset"))
            json.append(("clock_offset_ms", .integer(offset)))
        } catch {
            checks.append(Check(name: "market_data.reachable", ok: false, detail: "\(error)"))
        }
        // Symbols and their rules.
        let rulesJSON = await symbolRules(symbols.compactMap(Symbol.init), venue: BinanceVenue(rest: wiring.marketREST, budget: wiring.budget, logger: logger),
                                          checks: &checks)
        json.append(("symbols", .array(rulesJSON)))
        json.append(("rate_limits", .array(await wiring.budget.usage.map { usage in
            .object([("type", .string(usage.type)), ("window_ms", .integer(usage.windowMilliseconds)), ("limit", .integer(Int64(usage.limit))),
                     ("used", .integer(Int64(usage.used)))])
        })))
        // The key: its kind and what it may do, from the account endpoint (the key itself is never shown).
        if let credentials = wiring.credentials {
            json.append(("key_kind", .string(credentials.kind)))
            do {
                try await wiring.tradingREST.synchroniseClock()
                let venue = BinanceVenue(rest: wiring.tradingREST, budget: wiring.budget, logger: logger)
                let permissions = try await venue.accountPermissions()
                checks.append(Check(name: "key.can_trade", ok: permissions.canTrade, detail: permissions.canTrade ? "yes" : "the key cannot trade"))
                checks.append(Check(name: "key.withdrawals_disabled", ok: !permissions.canWithdraw,
                                    detail: permissions.canWithdraw ? "the key may WITHDRAW: make a trading-only key" : "yes"))
                let balances = balances(try await venue.balances())
                json.append(("balances", balances.json))
                checks.append(balances.check)
            } catch {
                checks.append(Check(name: "key.account", ok: false, detail: "\(error)"))
            }
        } else {
            checks.append(Check(name: "key", ok: true, detail: "no key (BINANCE_API_KEY): market data and paper trading only"))
        }
        return output(json, checks: checks)
    }
}

/// Why the check cannot run.
public struct VenueCheckError: Error, CustomStringConvertible {
    public let description: String
}
