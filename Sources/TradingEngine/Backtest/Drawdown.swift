/// How far a curve stands below its own running peak.
public enum Drawdown {
    /// Percent below the highest value up to each one (0 at a new peak, and while the peak is not positive).
    public static func percentBelowPeak(_ values: [Double]) -> [Double] {
        var peak = -Double.infinity
        return values.map { value in
            peak = max(peak, value)
            return peak > 0 ? (value / peak - 1) * 100 : 0
        }
    }
}
