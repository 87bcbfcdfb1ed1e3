import Foundation
import TradingCore
import TradingEngine

/// Alpaca's order objects and request bodies, read and written with exact decimals.
enum AlpacaOrderMessages {
    /// Why a message is not what the documentation describes.
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// The order status Alpaca names, in the engine's terms (nil: a state this connector does not
    /// follow, such as `pending_replace`, read as the order still working).
    static func status(_ text: String) -> OrderStatus {
        switch text {
        // `done_for_day`: a good-till-cancelled order resting until the next session, still working.
        case "new", "accepted", "pending_new", "accepted_for_bidding", "pending_cancel", "pending_replace", "calculated", "stopped", "suspended", "held",
             "done_for_day": .accepted
        case "partially_filled": .partiallyFilled
        case "filled": .filled
        case "canceled", "replaced": .cancelled
        case "expired": .expired
        case "rejected": .rejected
        default: .accepted
        }
    }

    /// An exact decimal from a number or a string (exponent forms included), nil when absent, null,
    /// or more precise than fixed point holds (refused, never rounded).
    static func decimal(_ value: AlpacaJSON?) -> FixedDecimal? {
        value?.decimalText.flatMap(FixedDecimal.init)
    }

    /// A time in RFC 3339 with any number of fractional digits (Alpaca writes nanoseconds).
    static func time(_ value: AlpacaJSON?) -> Timestamp? {
        guard var text = value?.string else { return nil }
        // Timestamp reads milliseconds: keep at most three fractional digits.
        if let dot = text.firstIndex(of: "."), let zone = text[dot...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" }) {
            let fraction = text[text.index(after: dot)..<zone]
            text = String(text[..<dot]) + (fraction.isEmpty ? "" : "." + String(fraction.prefix(3)).padding(toLength: 3, withPad: "0", startingAt: 0)) + text[zone...]
        }
        return Timestamp(iso8601: text)
    }

    /// The venue's state of an order object; `symbol` is the engine's name of its instrument.
    static func state(_ order: AlpacaJSON, symbol: Symbol) throws -> VenueOrderState {
        guard let clientOrderID = order["client_order_id"]?.string, let sideText = order["side"]?.string, let side = OrderSide(rawValue: sideText),
              let statusText = order["status"]?.string else {
            throw Malformed(description: "an order without client_order_id, side or status")
        }
        let quantity = decimal(order["qty"]) ?? .zero
        let filled = decimal(order["filled_qty"]) ?? .zero
        let average = decimal(order["filled_avg_price"]) ?? .zero
        let type: OrderType
        switch order["type"]?.string ?? order["order_type"]?.string {
        case "limit": type = .limit(Price(decimal(order["limit_price"]) ?? .zero))
        case "stop": type = .stop(Price(decimal(order["stop_price"]) ?? .zero))
        case "stop_limit": type = .stopLimit(stop: Price(decimal(order["stop_price"]) ?? .zero), limit: Price(decimal(order["limit_price"]) ?? .zero))
        default: type = .market
        }
        let updated = time(order["updated_at"]) ?? time(order["submitted_at"]) ?? time(order["created_at"]) ?? Timestamp(millisecondsSinceEpoch: 0)
        return VenueOrderState(clientOrderID: clientOrderID, venueOrderID: order["id"]?.string, symbol: symbol, side: side, type: type,
                               status: status(statusText), quantity: quantity, filledQuantity: filled,
                               filledNotional: (try? filled.multiplied(by: average)) ?? .zero, updatedAt: updated)
    }

    /// The body of `POST /v2/orders`. Alpaca takes fractional quantities only as `day` orders, so
    /// a fractional order is sent `day`; the others keep their time in force.
    static func body(_ request: VenueOrderRequest, symbol: String) -> [(String, String)] {
        var body: [(String, String)] = [("symbol", symbol), ("qty", request.quantity.description), ("side", request.side.rawValue)]
        switch request.type {
        case .market: body.append(("type", "market"))
        case .limit(let price): body += [("type", "limit"), ("limit_price", price.value.description)]
        case .stop(let price): body += [("type", "stop"), ("stop_price", price.value.description)]
        case .stopLimit(let stop, let limit): body += [("type", "stop_limit"), ("stop_price", stop.value.description), ("limit_price", limit.value.description)]
        }
        let fractional = request.quantity.description.contains(".")
        body.append(("time_in_force", fractional && !symbol.contains("/") ? "day" : request.timeInForce.rawValue))
        body.append(("client_order_id", request.clientOrderID))
        return body
    }
}
