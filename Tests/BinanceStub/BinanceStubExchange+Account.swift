import Crypto
import Foundation
import NIOCore
import TradingCore

/// The WebSocket API of the stub, as far as the account stream goes (web-socket-api.md, "User
/// Data Stream requests"; user-data-stream.md for the events): `userDataStream.subscribe.signature`
/// with its signature checked over the sorted parameters, then `executionReport` and
/// `outboundAccountPosition` events in the `{"subscriptionId", "event"}` envelope. Faults: dropped
/// connections, duplicated events, withheld (lost) events, `eventStreamTerminated`.
extension BinanceStubExchange {
    /// Registers a WebSocket API connection; its frames are the answers and, once subscribed, the events.
    func openAccountConnection(channel: any Channel) -> (id: Int, frames: AsyncStream<String>, continuation: AsyncStream<String>.Continuation) {
        let (frames, continuation) = AsyncStream<String>.makeStream()
        accountConnections += 1
        return (nextSubscriberID(), frames, continuation)
    }

    func closeAccountConnection(_ id: Int) {
        accountSubscribers[id] = nil
    }

    /// Answers one request of a connection (the methods it does not know get the documented -1100-style error).
    func answerAPIRequest(_ text: String, connection id: Int, channel: any Channel, continuation: AsyncStream<String>.Continuation) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return "{\"id\":null,\"status\":400,\"error\":{\"code\":-1102,\"msg\":\"Malformed request.\"}}"
        }
        let requestID = (object["id"] as? String).map { "\"\($0)\"" } ?? "null"
        func failure(_ status: Int, _ code: Int, _ message: String) -> String {
            "{\"id\":\(requestID),\"status\":\(status),\"error\":{\"code\":\(code),\"msg\":\"\(message)\"}}"
        }
        guard object["method"] as? String == "userDataStream.subscribe.signature" else { return failure(400, -1100, "Unknown method.") }
        let params = object["params"] as? [String: Any] ?? [:]
        var values: [String: String] = [:]
        for (name, value) in params { values[name] = (value as? String) ?? (value as? NSNumber).map { "\($0)" } ?? "\(value)" }
        guard let apiKey = values["apiKey"], let signature = values["signature"] else {
            return failure(400, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")
        }
        guard let timestamp = values["timestamp"].flatMap(Int64.init) else {
            return failure(400, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
        }
        let window = values["recvWindow"].flatMap(Int64.init) ?? 5_000
        if timestamp > serverTime + 1_000 || serverTime - timestamp > window {
            return failure(400, -1021, "Timestamp for this request is outside of the recvWindow.")
        }
        // The payload: every parameter but the signature, sorted by name, as name=value joined by &.
        let payload = values.filter { $0.key != "signature" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        switch signatureIsValid(apiKey: apiKey, payload: payload, signature: signature) {
        case nil: return failure(401, -2015, "Invalid API-key, IP, or permissions for action.")
        case false?: return failure(400, -1022, "Signature for this request is not valid.")
        case true?: break
        }
        accountSubscribers[id] = StreamSubscriber(streams: [], continuation: continuation, channel: channel)
        accountSubscriptions += 1
        return "{\"id\":\(requestID),\"status\":200,\"result\":{\"subscriptionId\":0}}"
    }

    /// Whether `signature` signs `payload` with the key's HMAC secret or Ed25519 key; nil when the key is unknown.
    func signatureIsValid(apiKey: String, payload: String, signature: String) -> Bool? {
        if let secret = hmacSecrets[apiKey] {
            let expected = HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: SymmetricKey(data: Data(secret.utf8)))
                .map { String(format: "%02x", $0) }.joined()
            return expected == signature.lowercased()
        }
        if let raw = ed25519PublicKeys[apiKey], let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) {
            guard let bytes = Data(base64Encoded: signature) else { return false }
            return key.isValidSignature(bytes, for: Data(payload.utf8))
        }
        return nil
    }

    /// Account connections subscribed now.
    public var openAccountSubscriptions: Int { accountSubscribers.count }

    /// Sends every account event twice from now on (or stops doing so).
    public func setDuplicateAccountEvents(_ on: Bool) { duplicateAccountEvents = on }

    /// Loses every account event from now on (or stops losing them), as a connection that misses them.
    public func setWithholdAccountEvents(_ on: Bool) { withholdAccountEvents = on }

    /// Drops every account connection: the socket closes at once.
    public func dropAccountConnections() {
        for (id, subscriber) in accountSubscribers {
            subscriber.channel.close(promise: nil)
            subscriber.continuation.finish()
            accountSubscribers[id] = nil
        }
    }

    /// Sends raw text to every subscribed account connection (a corrupted event, say).
    public func sendAccountFrame(_ text: String) {
        for subscriber in accountSubscribers.values { subscriber.continuation.yield(text) }
    }

    /// Ends every subscription with `eventStreamTerminated` (the connection stays open).
    public func terminateAccountSubscriptions() {
        for (id, subscriber) in accountSubscribers {
            subscriber.continuation.yield("{\"subscriptionId\":0,\"event\":{\"e\":\"eventStreamTerminated\",\"E\":\(serverTime)}}")
            accountSubscribers[id] = nil
        }
    }

    /// An `executionReport` of an order's change (`NEW`, `TRADE` with its trade, `CANCELED`, `EXPIRED`).
    func publishExecution(_ order: StubOrder, kind: String, trade: StubTrade?) {
        let time = trade?.time ?? order.updateTime
        let event = "{\"e\":\"executionReport\",\"E\":\(serverTime),\"s\":\"\(order.symbol)\",\"c\":\"\(order.clientOrderID)\",\"S\":\"\(order.side)\","
            + "\"o\":\"\(order.type)\",\"f\":\"\(order.timeInForce ?? "GTC")\",\"q\":\"\(order.quantity)\",\"p\":\"\(order.price)\",\"P\":\"\(order.stopPrice)\","
            + "\"F\":\"0.00000000\",\"g\":-1,\"C\":\"\",\"x\":\"\(kind)\",\"X\":\"\(order.status)\",\"r\":\"NONE\",\"i\":\(order.orderID),"
            + "\"l\":\"\(trade?.quantity ?? .zero)\",\"z\":\"\(order.executed)\",\"L\":\"\(trade?.price ?? .zero)\",\"n\":\"\(trade?.commission ?? .zero)\","
            + "\"N\":\(trade.map { "\"\($0.commissionAsset)\"" } ?? "null"),\"T\":\(time),\"t\":\(trade?.id ?? -1),\"I\":\(order.orderID * 10),"
            + "\"w\":\(order.status == "NEW" || order.status == "PARTIALLY_FILLED"),\"m\":false,\"M\":\(trade != nil),\"O\":\(order.time),"
            + "\"Z\":\"\(order.quoteExecuted)\",\"Y\":\"\((trade.flatMap { try? $0.quantity.multiplied(by: $0.price) }) ?? .zero)\",\"Q\":\"0.00000000\",\"W\":\(order.time),\"V\":\"NONE\"}"
        publishAccountEvent(event)
    }

    /// An `outboundAccountPosition` with the assets' balances now.
    func publishBalances(_ assets: [String]) {
        let rows = assets.map { "{\"a\":\"\($0)\",\"f\":\"\((balances[$0] ?? .zero) - reserved($0))\",\"l\":\"\(reserved($0))\"}" }
        publishAccountEvent("{\"e\":\"outboundAccountPosition\",\"E\":\(serverTime),\"u\":\(serverTime),\"B\":[\(rows.joined(separator: ","))]}")
    }

    private func publishAccountEvent(_ event: String) {
        guard !withholdAccountEvents else { return }
        let frame = "{\"subscriptionId\":0,\"event\":\(event)}"
        for subscriber in accountSubscribers.values {
            subscriber.continuation.yield(frame)
            if duplicateAccountEvents { subscriber.continuation.yield(frame) }
        }
    }
}
