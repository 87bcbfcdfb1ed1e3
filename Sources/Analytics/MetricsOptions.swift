/// Parameters of the performance metrics, with empyrical's defaults.
public struct MetricsOptions: Sendable, Hashable {
    /// Periods per year used to annualise (252 for daily data).
    public var periodsPerYear: Double
    /// Risk-free return per period, subtracted in Sharpe, alpha and omega (empyrical's `risk_free`).
    public var riskFreeRate: Double
    /// Minimum acceptable return per period for Sortino and downside risk (empyrical's `required_return`).
    public var requiredReturn: Double
    /// Annual required return of the omega ratio, converted to a per-period threshold (1+R)^(1/periods) − 1.
    public var omegaRequiredReturn: Double

    /// Creates options; the defaults are empyrical's (daily data, zero risk-free and required returns).
    public init(periodsPerYear: Double = 252, riskFreeRate: Double = 0, requiredReturn: Double = 0, omegaRequiredReturn: Double = 0) {
        self.periodsPerYear = periodsPerYear
        self.riskFreeRate = riskFreeRate
        self.requiredReturn = requiredReturn
        self.omegaRequiredReturn = omegaRequiredReturn
    }
}
