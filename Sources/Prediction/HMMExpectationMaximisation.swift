import Foundation

/// One EM step of a Gaussian HMM with preallocated buffers: the E-step's scaled forward pass, then
/// a single backward sweep that carries only β_{t+1} and accumulates the sufficient statistics
/// (Σγ, Σγx, Σγx², Σξ) as it goes, so no n×K posterior is stored; then the M-step from them.
/// With `recordPath` it also records the most probable state of every observation and the
/// posterior at the last one (the final pass of a fit).
struct HMMExpectationMaximisation {
    let count: Int
    let states: Int
    private var emission: [Double]
    private var forward: [Double]
    private var scale: [Double]
    /// When set, the step also records the most probable state of every observation and
    /// the posterior at the last one (for the final pass of a fit).
    var recordPath = false
    private(set) var path: [Int] = []
    private(set) var lastPosterior: [Double] = []

    /// Flat parameters: means[K], variances[K], transitions[K·K] (row = from), start[K].
    struct Parameters {
        var means: [Double]
        var variances: [Double]
        var transitions: [Double]
        var start: [Double]
    }

    init(count: Int, states: Int) {
        self.count = count
        self.states = states
        emission = [Double](repeating: 0, count: count * states)
        forward = [Double](repeating: 0, count: count * states)
        scale = [Double](repeating: 0, count: count)
    }

    /// Runs one E-step at `parameters`, replaces them by the M-step's, and returns the
    /// log-likelihood of the parameters it started from.
    mutating func step(_ x: [Double], _ parameters: inout Parameters, varianceFloor: Double) -> Double {
        if states == 2 { return stepTwoStates(x, &parameters, varianceFloor: varianceFloor) }
        let n = count, k = states
        var offsets = 0.0, logScale = 0.0
        var gammaSum = [Double](repeating: 0, count: k), gammaX = gammaSum, gammaXX = gammaSum, firstGamma = gammaSum
        var xi = [Double](repeating: 0, count: k * k)
        let normalisers = parameters.variances.map { -0.5 * log(2 * Double.pi * $0) }
        let inverseVariances = parameters.variances.map { 1 / $0 }
        x.withUnsafeBufferPointer { observations in
        emission.withUnsafeMutableBufferPointer { b in
        forward.withUnsafeMutableBufferPointer { f in
        scale.withUnsafeMutableBufferPointer { c in
        parameters.transitions.withUnsafeBufferPointer { a in
        parameters.means.withUnsafeBufferPointer { mu in
            var logs = [Double](repeating: 0, count: k)
            for t in 0..<n {
                var top = -Double.infinity
                for s in 0..<k {
                    let deviation = observations[t] - mu[s]
                    logs[s] = normalisers[s] - 0.5 * deviation * deviation * inverseVariances[s]
                    top = max(top, logs[s])
                }
                offsets += top
                for s in 0..<k { b[t * k + s] = exp(logs[s] - top) }
            }
            var total = 0.0
            for s in 0..<k { f[s] = parameters.start[s] * b[s]; total += f[s] }
            c[0] = total
            for s in 0..<k { f[s] /= total }
            for t in 1..<n {
                total = 0
                let previous = (t - 1) * k, current = t * k
                for s in 0..<k {
                    var sum = 0.0
                    for j in 0..<k { sum += f[previous + j] * a[j * k + s] }
                    let value = sum * b[current + s]
                    f[current + s] = value
                    total += value
                }
                c[t] = total
                let inverse = 1 / total
                for s in 0..<k { f[current + s] *= inverse }
            }
            var product = 1.0
            for t in 0..<n {
                product *= c[t]
                if t % 16 == 15 { logScale += log(product); product = 1 }
            }
            logScale += log(product)
            // Backward sweep with statistics.
            var beta = [Double](repeating: 1, count: k), nextBeta = beta, weight = beta
            let last = (n - 1) * k
            if recordPath {
                path = [Int](repeating: 0, count: n)
                lastPosterior = (0..<k).map { f[last + $0] }
                path[n - 1] = (0..<k).max { f[last + $0] < f[last + $1] }!
            }
            for s in 0..<k {
                let gamma = f[last + s]
                gammaSum[s] += gamma; gammaX[s] += gamma * observations[n - 1]; gammaXX[s] += gamma * observations[n - 1] * observations[n - 1]
            }
            var gammas = [Double](repeating: 0, count: k)
            for t in stride(from: n - 2, through: 0, by: -1) {
                let current = t * k, following = (t + 1) * k
                let inverse = 1 / c[t + 1]
                for s in 0..<k { weight[s] = b[following + s] * nextBeta[s] * inverse }
                let value = observations[t]
                for j in 0..<k {
                    var sum = 0.0
                    let alpha = f[current + j]
                    for s in 0..<k {
                        let term = a[j * k + s] * weight[s]
                        sum += term
                        xi[j * k + s] += alpha * term
                    }
                    beta[j] = sum
                    let gamma = alpha * sum
                    gammas[j] = gamma
                    gammaSum[j] += gamma; gammaX[j] += gamma * value; gammaXX[j] += gamma * value * value
                    if t == 0 { firstGamma[j] = gamma }
                }
                if recordPath { path[t] = (0..<k).max { gammas[$0] < gammas[$1] }! }
                swap(&beta, &nextBeta)
            }
        } } } } } }
        // M-step.
        for s in 0..<k where gammaSum[s] > 0 {
            let mean = gammaX[s] / gammaSum[s]
            parameters.means[s] = mean
            parameters.variances[s] = max(gammaXX[s] / gammaSum[s] - mean * mean, varianceFloor)
        }
        for j in 0..<k {
            let rowTotal = (0..<k).reduce(0) { $0 + xi[j * k + $1] }
            if rowTotal > 0 { for s in 0..<k { parameters.transitions[j * k + s] = max(xi[j * k + s] / rowTotal, 1e-300) } }
        }
        parameters.start = firstGamma.map { max($0, 1e-300) }
        return logScale + offsets
    }

    /// The same step written out for two states with scalar variables: the common case, where the
    /// generic loops over tiny arrays cost more than the arithmetic.
    private mutating func stepTwoStates(_ x: [Double], _ parameters: inout Parameters, varianceFloor: Double) -> Double {
        let n = count
        let (m0, m1) = (parameters.means[0], parameters.means[1])
        let (iv0, iv1) = (1 / parameters.variances[0], 1 / parameters.variances[1])
        let (l0, l1) = (-0.5 * log(2 * Double.pi * parameters.variances[0]), -0.5 * log(2 * Double.pi * parameters.variances[1]))
        let (a00, a01, a10, a11) = (parameters.transitions[0], parameters.transitions[1], parameters.transitions[2], parameters.transitions[3])
        var offsets = 0.0, logScale = 0.0
        var (g0, g1, gx0, gx1, gxx0, gxx1) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        var (x00, x01, x10, x11) = (0.0, 0.0, 0.0, 0.0)
        var (first0, first1) = (0.0, 0.0)
        x.withUnsafeBufferPointer { o in
        emission.withUnsafeMutableBufferPointer { b in
        forward.withUnsafeMutableBufferPointer { f in
        scale.withUnsafeMutableBufferPointer { c in
            for t in 0..<n {
                let d0 = o[t] - m0, d1 = o[t] - m1
                let e0 = l0 - 0.5 * d0 * d0 * iv0, e1 = l1 - 0.5 * d1 * d1 * iv1
                // Relative to the larger density one factor is exactly 1: one exponential per bar.
                if e0 >= e1 {
                    offsets += e0
                    b[2 * t] = 1
                    b[2 * t + 1] = exp(e1 - e0)
                } else {
                    offsets += e1
                    b[2 * t] = exp(e0 - e1)
                    b[2 * t + 1] = 1
                }
            }
            var p0 = parameters.start[0] * b[0], p1 = parameters.start[1] * b[1]
            var total = p0 + p1
            c[0] = total
            p0 /= total; p1 /= total
            f[0] = p0; f[1] = p1
            for t in 1..<n {
                let q0 = (p0 * a00 + p1 * a10) * b[2 * t], q1 = (p0 * a01 + p1 * a11) * b[2 * t + 1]
                total = q0 + q1
                c[t] = total
                let inverse = 1 / total
                p0 = q0 * inverse; p1 = q1 * inverse
                f[2 * t] = p0; f[2 * t + 1] = p1
            }
            var product = 1.0
            for t in 0..<n {
                product *= c[t]
                if t & 15 == 15 { logScale += log(product); product = 1 }
            }
            logScale += log(product)
            var (beta0, beta1) = (1.0, 1.0)
            let xn = o[n - 1]
            let (h0, h1) = (f[2 * (n - 1)], f[2 * (n - 1) + 1])
            if recordPath {
                path = [Int](repeating: 0, count: n)
                path[n - 1] = h1 > h0 ? 1 : 0
                lastPosterior = [h0, h1]
            }
            g0 += h0; g1 += h1; gx0 += h0 * xn; gx1 += h1 * xn; gxx0 += h0 * xn * xn; gxx1 += h1 * xn * xn
            for t in stride(from: n - 2, through: 0, by: -1) {
                let inverse = 1 / c[t + 1]
                let w0 = b[2 * (t + 1)] * beta0 * inverse, w1 = b[2 * (t + 1) + 1] * beta1 * inverse
                let alpha0 = f[2 * t], alpha1 = f[2 * t + 1]
                let t00 = a00 * w0, t01 = a01 * w1, t10 = a10 * w0, t11 = a11 * w1
                x00 += alpha0 * t00; x01 += alpha0 * t01; x10 += alpha1 * t10; x11 += alpha1 * t11
                beta0 = t00 + t01
                beta1 = t10 + t11
                let value = o[t]
                let gamma0 = alpha0 * beta0, gamma1 = alpha1 * beta1
                if recordPath { path[t] = gamma1 > gamma0 ? 1 : 0 }
                g0 += gamma0; g1 += gamma1
                gx0 += gamma0 * value; gx1 += gamma1 * value
                gxx0 += gamma0 * value * value; gxx1 += gamma1 * value * value
                if t == 0 { first0 = gamma0; first1 = gamma1 }
            }
        } } } }
        if g0 > 0 {
            let mean = gx0 / g0
            parameters.means[0] = mean
            parameters.variances[0] = max(gxx0 / g0 - mean * mean, varianceFloor)
        }
        if g1 > 0 {
            let mean = gx1 / g1
            parameters.means[1] = mean
            parameters.variances[1] = max(gxx1 / g1 - mean * mean, varianceFloor)
        }
        let row0 = x00 + x01, row1 = x10 + x11
        if row0 > 0 { parameters.transitions[0] = max(x00 / row0, 1e-300); parameters.transitions[1] = max(x01 / row0, 1e-300) }
        if row1 > 0 { parameters.transitions[2] = max(x10 / row1, 1e-300); parameters.transitions[3] = max(x11 / row1, 1e-300) }
        parameters.start = [max(first0, 1e-300), max(first1, 1e-300)]
        return logScale + offsets
    }
}
