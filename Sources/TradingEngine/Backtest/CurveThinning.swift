/// Fewer points of a long curve to draw or to keep, without losing its range: every index when few,
/// else the first, the last, and the lowest and the highest of each of `maximum / 2` stretches (in
/// order; at most `maximum + 2` indices), so the curve's highest and lowest values stay. A peak that
/// is not its stretch's highest can go, so a drawdown is measured on the whole curve, not on these.
public enum CurveThinning {
    /// The indices of `values` to keep, ascending, at most about `maximum`.
    public static func keptIndices(_ values: [Double], maximum: Int) -> [Int] {
        guard values.count > maximum, maximum >= 2 else { return Array(values.indices) }
        let stretches = maximum / 2
        var kept: [Int] = []
        for stretch in 0..<stretches {
            let range = (stretch * values.count / stretches)..<((stretch + 1) * values.count / stretches)
            guard let low = range.min(by: { values[$0] < values[$1] }), let high = range.max(by: { values[$0] < values[$1] }) else { continue }
            kept += low == high ? [low] : [min(low, high), max(low, high)]
        }
        if kept.first != 0 { kept.insert(0, at: 0) }
        if kept.last != values.count - 1 { kept.append(values.count - 1) }
        return kept
    }
}
