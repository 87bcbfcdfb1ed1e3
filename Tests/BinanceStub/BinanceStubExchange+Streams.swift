import Foundation
import NIOCore
import TradingCore

/// The market-data streams of the stub: combined-stream subscribers, kline events, and the faults
/// of a stream connection (dropped, silent, shut down, duplicated and reordered events).
extension BinanceStubExchange {
    /// A connected stream client.
    struct StreamSubscriber: Sendable {
        let streams: Set<String>
        let continuation: AsyncStream<String>.Continuation
        let channel: any Channel
    }

    /// Registers a connection subscribed to `streams` (such as `btcusdt@kline_1m`).
    func subscribe(streams: Set<String>, channel: any Channel) -> (id: Int, frames: AsyncStream<String>) {
        let (frames, continuation) = AsyncStream<String>.makeStream()
        let id = nextSubscriberID()
        subscribers[id] = StreamSubscriber(streams: streams, continuation: continuation, channel: channel)
        streamConnections += 1
        return (id, frames)
    }

    func unsubscribe(_ id: Int) {
        subscribers[id]?.continuation.finish()
        subscribers[id] = nil
    }

    /// Whether new stream connections are accepted (false: refused, as during an outage).
    public func setAcceptingStreams(_ accepting: Bool) { acceptingStreams = accepting }

    /// Connections open now.
    public var openStreamConnections: Int { subscribers.count }

    /// Sends a kline event of `bar` to the subscribers of its stream (closed or still forming).
    public func publishKline(_ bar: Bar, symbol: String, interval: String, closed: Bool) {
        guard let timeframe = Timeframe(rawValue: interval) else { return }
        let stream = "\(symbol.lowercased())@kline_\(interval)"
        let open = bar.openTime.millisecondsSinceEpoch
        let payload = "{\"e\":\"kline\",\"E\":\(serverTime),\"s\":\"\(symbol)\",\"k\":{\"t\":\(open),\"T\":\(open + timeframe.milliseconds - 1),\"s\":\"\(symbol)\",\"i\":\"\(interval)\",\"f\":100,\"L\":200,\"o\":\"\(bar.open)\",\"c\":\"\(bar.close)\",\"h\":\"\(bar.high)\",\"l\":\"\(bar.low)\",\"v\":\"\(bar.volume?.description ?? "0")\",\"n\":100,\"x\":\(closed),\"q\":\"1.0000\",\"V\":\"500\",\"Q\":\"0.500\",\"B\":\"123456\"}}"
        send("{\"stream\":\"\(stream)\",\"data\":\(payload)}", to: stream)
    }

    /// Sends raw text to the subscribers of `stream` (a corrupted frame, say).
    public func send(_ text: String, to stream: String) {
        for subscriber in subscribers.values where subscriber.streams.contains(stream) { subscriber.continuation.yield(text) }
    }

    /// Sends `serverShutdown` to every connection.
    public func announceShutdown() {
        for subscriber in subscribers.values { subscriber.continuation.yield("{\"e\":\"serverShutdown\",\"E\":\(serverTime)}") }
    }

    /// Drops every stream connection: the socket closes at once, without a close frame.
    public func dropStreamConnections() {
        for (id, subscriber) in subscribers {
            subscriber.channel.close(promise: nil)
            subscriber.continuation.finish()
            subscribers[id] = nil
        }
    }

    /// Makes every stream connection silent: the exchange stops reading it (so a client's ping
    /// gets no pong) and sends nothing more, as a half-open socket does.
    public func silenceStreamConnections() {
        for (id, subscriber) in subscribers {
            subscriber.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
            subscriber.continuation.finish()
            silenced.append(subscriber.channel)
            subscribers[id] = nil
        }
    }
}
