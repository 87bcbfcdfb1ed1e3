import TradingCore
import TradingEngine

/// The check a form or request makes before it asks for a stored series: a problem naming the
/// field (the symbol when nothing of it is stored, else the bar length, with the stored ones).
enum StoredSeries {
    /// The bar lengths of the OHLCV series stored for `symbol`, shortest first.
    static func timeframes(of symbol: Symbol, in instruments: [InstrumentSummary]) -> [Timeframe] {
        instruments.first { $0.instrument.symbol == symbol }?.series.filter { $0.kind == .ohlcv }.map(\.timeframe).sorted() ?? []
    }

    /// The OHLCV timeframe to use for `symbol`: `timeframe` when stored, the shortest when nil.
    static func timeframe(of symbol: Symbol, _ timeframe: Timeframe?, store: any Store) async throws -> Timeframe {
        let stored = timeframes(of: symbol, in: try await store.instruments())
        guard let shortest = stored.first else { throw ProblemDetails.invalidParameter("symbol", "no bars of \(symbol.rawValue) are stored") }
        guard let timeframe else { return shortest }
        guard stored.contains(timeframe) else {
            throw ProblemDetails.invalidParameter("timeframe", "\(symbol.rawValue) has \(stored.map(\.rawValue).joined(separator: ", ")) bars, not \(timeframe.rawValue)")
        }
        return timeframe
    }
}
