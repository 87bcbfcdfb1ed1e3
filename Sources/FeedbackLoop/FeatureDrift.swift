import Prediction
import TradingCore

/// How far each forecasting feature's distribution has moved: the population stability index of
/// the feature rows of the newest `window` bars against those of the `window` bars up to a
/// reference bar (the champion's fit). Rows are the forecaster's own point-in-time features.
public enum FeatureDrift {
    /// Each feature's PSI, largest first.
    public static func stability(series: BarSeries, referenceEnd: Int, recentEnd: Int, window: Int = 720) -> [(feature: String, psi: Double)] {
        guard recentEnd < series.count, referenceEnd <= recentEnd else { return [] }
        let reference = Forecaster.featureRows(series, from: max(0, referenceEnd - window + 1), through: referenceEnd, reference: nil).map(\.features)
        let recent = Forecaster.featureRows(series, from: max(0, recentEnd - window + 1), through: recentEnd, reference: nil).map(\.features)
        guard reference.count >= 50, recent.count >= 50, let width = reference.first?.count else { return [] }
        let names = Features.names(withReference: width > Features.names.count)
        return (0..<width).map { column in
            (names.indices.contains(column) ? names[column] : "feature_\(column)",
             PopulationStabilityIndex.index(expected: reference.map { $0[column] }, actual: recent.map { $0[column] }))
        }.sorted { $0.psi > $1.psi }
    }
}
