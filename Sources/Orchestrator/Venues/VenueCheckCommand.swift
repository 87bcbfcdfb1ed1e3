import BinanceConnector
import Foundation
import Logging
import TradingCore
import TradingEngine

/// `orchestrator venue check --venue binance`: in one command, whether the configuration works —
/// endpoints reached and the clock offset, the key's kind and permissions (never the key),
/// balances, each symbol's rules, and the rate limits. Nothing is traded.
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
        guard venue == "binance" else {
            throw VenueCheckError(description: "--venue must be binance (the only connector so far; paper needs no check)")
        }
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
            let uncertainty = Int64(milliseconds / 2)
            checks.append(Check(name: "market_data.clock_offset", ok: abs(offset) <= 1_000 + uncertainty,
                                detail: "\(offset) ± \(uncertainty) ms (requests are stamped with it; beyond 1000 ms this machine's clock needs NTP)"))
            json.append(("clock_offset_ms", .integer(offset)))
        } catch {
            checks.append(Check(name: "market_data.reachable", ok: false, detail: "\(error)"))
        }
        // Symbols and their rules.
        let parsed = symbols.compactMap(Symbol.init)
        var rulesJSON: [JSONValue] = []
        if !parsed.isEmpty {
            do {
                let rules = try await BinanceVenue(rest: wiring.marketREST, budget: wiring.budget, logger: logger).instrumentRules(for: parsed)
                for symbol in parsed {
                    guard let rule = rules[symbol] else { continue }
                    rulesJSON.append(.object([("symbol", .string(symbol.rawValue)), ("base_asset", .string(rule.baseAsset)), ("quote_asset", .string(rule.quoteAsset)),
                                              ("tick_size", .string(rule.tickSize.description)), ("step_size", .string(rule.stepSize.description)),
                                              ("min_quantity", .string(rule.minimumQuantity.description)),
                                              ("min_notional", .string(rule.minimumNotional.description)), ("trading", .bool(rule.isTrading))]))
                    checks.append(Check(name: "symbol.\(symbol.rawValue)", ok: rule.isTrading,
                                        detail: "tick \(rule.tickSize), step \(rule.stepSize), min notional \(rule.minimumNotional) \(rule.quoteAsset)\(rule.isTrading ? "" : ", NOT trading now")"))
                }
            } catch {
                checks.append(Check(name: "symbols", ok: false, detail: "\(error)"))
            }
        }
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
                let venue = wiring.venue(logger: logger)
                let permissions = try await venue.accountPermissions()
                checks.append(Check(name: "key.can_trade", ok: permissions.canTrade, detail: permissions.canTrade ? "yes" : "the key cannot trade"))
                checks.append(Check(name: "key.withdrawals_disabled", ok: !permissions.canWithdraw,
                                    detail: permissions.canWithdraw ? "the key may WITHDRAW: make a trading-only key" : "yes"))
                let balances = try await venue.balances().values.filter { !$0.total.isZero }.sorted { $0.asset < $1.asset }
                json.append(("balances", .array(balances.map { .object([("asset", .string($0.asset)), ("free", .string($0.free.description)),
                                                                        ("locked", .string($0.locked.description))]) })))
                checks.append(Check(name: "account.balances", ok: true, detail: balances.map { "\($0.asset) \($0.total)" }.joined(separator: ", ")))
            } catch {
                checks.append(Check(name: "key.account", ok: false, detail: "\(error)"))
            }
        } else {
            checks.append(Check(name: "key", ok: true, detail: "no key (BINANCE_API_KEY): market data and paper trading only"))
        }
        let failed = checks.contains { !$0.ok }
        json.append(("checks", .array(checks.map { .object([("name", .string($0.name)), ("ok", .bool($0.ok)), ("detail", .string($0.detail))]) })))
        json.append(("ok", .bool(!failed)))
        return (AdministrationCommands.Output(json: .object(json), columns: ["check", "ok", "detail"], rows: checks.map { [$0.name, $0.ok ? "yes" : "NO", $0.detail] },
                                              footer: failed ? "Some checks failed." : "The configuration works."), failed)
    }
}

/// Why the check cannot run.
public struct VenueCheckError: Error, CustomStringConvertible {
    public let description: String
}
