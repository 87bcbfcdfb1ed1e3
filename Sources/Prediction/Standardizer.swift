import QuantMath

/// Standardises feature columns to mean 0 and population standard deviation 1 (scikit-learn's
/// `StandardScaler`), fitted on training rows only so no test statistic leaks into training.
/// A constant column keeps scale 1 (as scikit-learn does) instead of dividing by zero.
public struct Standardizer: Sendable, Codable, Hashable {
    /// Column means of the training rows.
    public let means: [Double]
    /// Column standard deviations (ddof 0), 1 for constant columns.
    public let scales: [Double]

    /// Fits on rows (each row one observation).
    public init(fitting rows: [[Double]]) {
        let columns = rows.first?.count ?? 0
        var means = [Double](repeating: 0, count: columns), scales = means
        for column in 0..<columns {
            let values = rows.map { $0[column] }
            means[column] = Statistics.mean(values)
            let deviation = Statistics.standardDeviation(values, ddof: 0)
            scales[column] = deviation > 0 ? deviation : 1
        }
        self.means = means
        self.scales = scales
    }

    /// The standardised row.
    public func transform(_ row: [Double]) -> [Double] {
        row.indices.map { (row[$0] - means[$0]) / scales[$0] }
    }
}
