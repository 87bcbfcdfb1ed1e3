import TradingCore
import TradingEngine

/// One event of an account's stream: its name (`bar`, `fill`, `order`, `state`, `alert`, `signal`), its
/// JSON, and where it stands in its source, so that a stream sends each event once, in order.
struct ActivityEvent: Sendable {
    /// Where an event stands: the key of its row in its source.
    enum Position: Sendable {
        case bar(Int)
        case fill(time: Int64, id: String)
        case tradingAlert(Int64)
        case securityAlert(Int64)
        case signal(Int64)
        case order(Int64)
    }

    let name: String
    let data: JSONValue
    let position: Position

    /// Moves `cursor` past this event; false (and `cursor` unchanged) when it is already past it.
    func advance(_ cursor: inout ActivityCursor) -> Bool {
        switch position {
        case .bar(let index):
            guard index > cursor.barIndex else { return false }
            cursor.barIndex = index
        case .fill(let time, let id):
            guard time > cursor.fillTime || (time == cursor.fillTime && id > cursor.fillID) else { return false }
            cursor.fillTime = time
            cursor.fillID = id
        case .tradingAlert(let id):
            guard id > cursor.tradingAlertID else { return false }
            cursor.tradingAlertID = id
        case .securityAlert(let id):
            guard id > cursor.securityAlertID else { return false }
            cursor.securityAlertID = id
        case .signal(let id):
            guard id > cursor.signalID else { return false }
            cursor.signalID = id
        case .order(let sequence):
            guard sequence > cursor.orderSequence else { return false }
            cursor.orderSequence = sequence
        }
        return true
    }
}
