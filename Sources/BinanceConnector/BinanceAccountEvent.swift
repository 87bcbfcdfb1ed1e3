import Foundation
import TradingCore
import TradingEngine

/// An account event of the user data stream (`executionReport`, `outboundAccountPosition`), raw or
/// inside the WebSocket API's `{"subscriptionId", "event"}` envelope, as the engine's types.
public enum BinanceAccountEvent: Sendable, Hashable {
    case execution(ExecutionReport)
    case balances([VenueBalance])

    /// Why an event cannot be read.
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Decodes one frame; nil for an event of another type (balanceUpdate, listStatus, answers).
    public static func decode(_ data: Data) throws -> BinanceAccountEvent? {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: data)
        } catch {
            throw FormatError(description: "the account event is not in the documented shape: \(error)")
        }
        guard let event = envelope.event ?? envelope.direct else { return nil }
        switch event.e {
        case "outboundAccountPosition":
            return .balances(try (event.B ?? []).map { balance in
                VenueBalance(asset: balance.a, free: try decimal(balance.f, "B.f"), locked: try decimal(balance.l, "B.l"))
            })
        case "executionReport":
            return .execution(try report(event))
        default:
            return nil
        }
    }

    private static func report(_ event: Event) throws -> ExecutionReport {
        guard let symbolText = event.s, let symbol = Symbol(symbolText) else { throw FormatError(description: "s: not a symbol: \(event.s ?? "null")") }
        let side: OrderSide
        switch event.S {
        case "BUY": side = .buy
        case "SELL": side = .sell
        default: throw FormatError(description: "S: unknown side \(event.S ?? "null")")
        }
        // A cancel's report names the cancel request in c and the cancelled order in C.
        guard let own = event.c else { throw FormatError(description: "c: the client order id is missing") }
        let clientOrderID = (event.x == "CANCELED" && !(event.C ?? "").isEmpty) ? event.C! : own
        let cumulative = try decimal(event.z, "z")
        let quantity = try decimal(event.q, "q")
        let time = Timestamp(millisecondsSinceEpoch: event.T ?? event.E ?? 0)
        let kind: ExecutionReport.Kind
        var fill: VenueFill?
        switch event.x {
        case "NEW": kind = .accepted
        case "TRADE":
            kind = event.X == "FILLED" ? .fill : .partialFill
            guard let trade = event.t, trade >= 0 else { throw FormatError(description: "t: a trade without a trade id") }
            fill = VenueFill(tradeID: String(trade), clientOrderID: clientOrderID, symbol: symbol, side: side, quantity: try decimal(event.l, "l"),
                             price: try decimal(event.L, "L"), fee: try decimal(event.n, "n"), feeAsset: event.N ?? "", time: time)
        case "CANCELED": kind = .cancelled
        case "REJECTED": kind = .rejected
        case "EXPIRED", "TRADE_PREVENTION": kind = .expired
        default: throw FormatError(description: "x: unknown execution type \(event.x ?? "null")")
        }
        let reason = event.r.flatMap { $0 == "NONE" ? nil : $0 }
        return ExecutionReport(kind: kind, clientOrderID: clientOrderID, venueOrderID: event.i.map(String.init), symbol: symbol, side: side,
                               quantity: quantity, cumulativeQuantity: cumulative, fill: fill, reason: reason, time: time)
    }

    private static func decimal(_ text: String?, _ field: String) throws -> FixedDecimal {
        guard let text, let value = FixedDecimal(text) else { throw FormatError(description: "\(field): not a decimal: \(text ?? "null")") }
        return value
    }

    private struct Balance: Decodable {
        let a: String
        let f: String
        let l: String
    }

    private struct Event: Decodable {
        let e: String
        let E: Int64?
        let s: String?
        let c: String?
        let S: String?
        let q: String?
        let C: String?
        let x: String?
        let X: String?
        let r: String?
        let i: Int64?
        let l: String?
        let z: String?
        let L: String?
        let n: String?
        let N: String?
        let T: Int64?
        let t: Int64?
        let B: [Balance]?
    }

    /// Either `{"subscriptionId", "event": {…}}` or the event itself.
    private struct Envelope: Decodable {
        let event: Event?
        let direct: Event?

        enum Keys: String, CodingKey { case event, e }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            event = try container.decodeIfPresent(Event.self, forKey: .event)
            direct = container.contains(.e) ? try Event(from: decoder) : nil
        }
    }
}
