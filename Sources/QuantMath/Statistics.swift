import Foundation

/// Summary statistics of samples. Conventions follow NumPy/pandas where named: `ddof` is the
/// delta degrees of freedom (0 population, 1 sample); quantiles interpolate linearly between order
/// statistics (NumPy's default `linear` method).
public enum Statistics {
    /// The arithmetic mean; NaN for an empty sample.
    public static func mean(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        return values.reduce(0, +) / Double(values.count)
    }

    /// The variance with `ddof` delta degrees of freedom (two-pass for accuracy).
    public static func variance(_ values: [Double], ddof: Int = 1) -> Double {
        guard values.count > ddof else { return .nan }
        let average = mean(values)
        var sum = 0.0, compensation = 0.0
        for value in values {
            let deviation = value - average
            sum += deviation * deviation
            compensation += deviation
        }
        return (sum - compensation * compensation / Double(values.count)) / Double(values.count - ddof)
    }

    /// The standard deviation with `ddof` delta degrees of freedom.
    public static func standardDeviation(_ values: [Double], ddof: Int = 1) -> Double {
        variance(values, ddof: ddof).squareRoot()
    }

    /// The sample covariance of two equally long series with `ddof` delta degrees of freedom.
    public static func covariance(_ x: [Double], _ y: [Double], ddof: Int = 1) -> Double {
        precondition(x.count == y.count, "series lengths differ")
        guard x.count > ddof else { return .nan }
        let meanX = mean(x), meanY = mean(y)
        var sum = 0.0
        for index in x.indices { sum += (x[index] - meanX) * (y[index] - meanY) }
        return sum / Double(x.count - ddof)
    }

    /// The skewness, biased (population) like `scipy.stats.skew(bias=True)`.
    public static func skewness(_ values: [Double]) -> Double {
        let average = mean(values)
        let m2 = values.reduce(0) { $0 + pow($1 - average, 2) } / Double(values.count)
        let m3 = values.reduce(0) { $0 + pow($1 - average, 3) } / Double(values.count)
        return m3 / pow(m2, 1.5)
    }

    /// The excess kurtosis, biased, like `scipy.stats.kurtosis(fisher=True, bias=True)`.
    public static func excessKurtosis(_ values: [Double]) -> Double {
        let average = mean(values)
        let m2 = values.reduce(0) { $0 + pow($1 - average, 2) } / Double(values.count)
        let m4 = values.reduce(0) { $0 + pow($1 - average, 4) } / Double(values.count)
        return m4 / (m2 * m2) - 3
    }

    /// The q-quantile (0 ≤ q ≤ 1) with linear interpolation, like `numpy.quantile` / `numpy.percentile`.
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        return quantile(sorted: values.sorted(), q)
    }

    /// The q-quantile of an already sorted sample.
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }

    /// The standard normal quantile Φ⁻¹(p), by Acklam's rational approximation refined with one
    /// Halley step on `erfc` (relative error below 1e-15 over (0, 1)).
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "p must be in (0, 1)")
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        // One Halley refinement: e = Φ(x) − p.
        let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    /// The standard normal density φ(x).
    public static func normalDensity(_ x: Double) -> Double {
        exp(-x * x / 2) / (2 * Double.pi).squareRoot()
    }
}
