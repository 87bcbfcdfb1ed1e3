/// Whether two numbers agree to a relative tolerance (absolute near zero, where a relative
/// comparison would demand more digits than the computation has).
public func agrees(_ value: Double, _ reference: Double, relative: Double) -> Bool {
    abs(value - reference) <= relative * max(abs(reference), 1e-12) || abs(value - reference) <= relative * 1e-3
}
