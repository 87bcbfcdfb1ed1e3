import AlpacaConnector
import BinanceConnector
import Foundation
import TradingCore

/// `orchestrator venue benchmark`: the time to decode one stream message into a bar — Binance's
/// combined-stream kline frame, or Alpaca's market-data bar message (both the documented payloads)
/// — over many messages, the median of repetitions.
public enum VenueBenchmark {
    /// Alpaca's documented bar message (Market Data v2 stream: a one-element array).
    public static let alpacaFrame = #"[{"T":"b","S":"FAKEPACA","o":132.65,"h":136,"l":132.12,"c":134.65,"v":205,"t":"2024-07-24T07:56:00Z","n":16,"vw":133.7}]"#

    /// The frame decoded: Binance's documented kline event inside a combined-stream envelope.
    public static let frame = #"{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1672515782136,"s":"BTCUSDT","k":{"t":1672515780000,"T":1672515839999,"s":"BTCUSDT","i":"1m","f":100,"L":200,"o":"16850.10000000","c":"16852.40000000","h":"16855.00000000","l":"16849.90000000","v":"1000.12345000","n":100,"x":true,"q":"16851234.00000000","V":"500","Q":"0.500","B":"123456"}}}"#

    /// Decodes `frames` frames of `venue` (`binance` or `alpaca`) `repetitions` times; nanoseconds per frame of each repetition.
    public static func run(frames: Int, repetitions: Int, venue: String = "binance") throws -> AdministrationCommands.Output {
        let bytes = Array((venue == "alpaca" ? alpacaFrame : frame).utf8)
        var perFrame: [Double] = []
        var checksum: Int64 = 0
        for _ in 0..<max(1, repetitions) {
            let started = ContinuousClock.now
            for _ in 0..<frames {
                if venue == "alpaca" {
                    guard let bar = try AlpacaMarketDataFeed.decodeBars(bytes).first?.bar else { throw VenueCheckError(description: "the benchmark message did not decode") }
                    checksum &+= bar.openTime.millisecondsSinceEpoch
                } else {
                    guard let kline = try BinanceKline.decodeStreamFrame(bytes) else { throw VenueCheckError(description: "the benchmark frame did not decode") }
                    checksum &+= kline.bar.openTime.millisecondsSinceEpoch
                }
            }
            let elapsed = ContinuousClock.now - started
            perFrame.append(Double(elapsed.components.seconds) * 1e9 / Double(frames) + Double(elapsed.components.attoseconds) / 1e9 / Double(frames))
        }
        let sorted = perFrame.sorted()
        let median = sorted[sorted.count / 2]
        let json = JSONValue.object([("venue", .string(venue)), ("frames", .integer(Int64(frames))), ("repetitions", .integer(Int64(perFrame.count))),
                                     ("frame_bytes", .integer(Int64(bytes.count))), ("ns_per_frame_median", .number(median)),
                                     ("ns_per_frame_min", .number(sorted.first!)), ("ns_per_frame_max", .number(sorted.last!)),
                                     ("checksum", .integer(checksum))])
        return AdministrationCommands.Output(json: json, columns: ["measure", "value"], rows: [
            ["frames × repetitions", "\(frames) × \(perFrame.count)"], ["frame bytes", "\(bytes.count)"],
            ["ns per frame (median)", String(format: "%.0f", median)], ["ns per frame (min … max)", String(format: "%.0f … %.0f", sorted.first!, sorted.last!)],
        ], footer: nil)
    }
}
