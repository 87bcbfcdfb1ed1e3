import Foundation
import TradingCore

/// An OHLCV CSV read for the file-based commands (forecast, regimes, volatility, backtest):
/// validated bars, the timeframe inferred from the most common spacing of consecutive bars, the
/// number of spacings that differ from it, and a symbol taken from the file name.
public struct OHLCVFile: Sendable {
    public let bars: [Bar]
    public let timeframe: Timeframe
    public let symbol: String
    public let gaps: Int

    /// Reads `timestamp` (or `date`), open, high, low, close and optional volume; extra columns are ignored.
    public static func read(_ path: String) throws -> OHLCVFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw ImportFileError(path: path, reason: "no such file or not readable") }
        // Parsed on the 1-minute grid, which every supported timeframe's bar times lie on.
        let bars = try BarFileParser(timeframe: .oneMinute).parseOHLCV([UInt8](data), fileName: path).bars
        guard bars.count > 2 else { throw ImportFileError(path: path, reason: "has \(bars.count) bars; hundreds are needed") }
        var spacings: [Int64: Int] = [:]
        for index in 1..<bars.count { spacings[bars[index].openTime.millisecondsSinceEpoch - bars[index - 1].openTime.millisecondsSinceEpoch, default: 0] += 1 }
        let common = spacings.max { $0.value < $1.value }!.key
        guard let timeframe = Timeframe.allCases.first(where: { $0.milliseconds == common }) else {
            throw ImportFileError(path: path, reason: "bars are \(common / 1000) s apart, which is no supported timeframe (\(Timeframe.codes.joined(separator: ", ")))")
        }
        let gaps = spacings.filter { $0.key != common }.values.reduce(0, +)
        let symbol = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent.split(separator: "_").first.map(String.init) ?? "data"
        return OHLCVFile(bars: bars, timeframe: timeframe, symbol: symbol, gaps: gaps)
    }
}
