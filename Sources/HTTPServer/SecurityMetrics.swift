import Prometheus
import SecuritySupervisor

/// The security supervisor's Prometheus metrics: the score, each check's status, open alerts by
/// level and scan findings by severity. Label values are bounded (check names, levels, severities).
public final class SecurityMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let score: Gauge

    /// Creates the metrics in the registry `/metrics` renders.
    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        score = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "security", metricName: "score", unitName: "",
                                                                    helpText: "The security score, 0 to 100, of the last sweep."))
    }

    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)]) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "orchestrator", subsystem: "security", metricName: name, unitName: "", helpText: help),
                           labels: labels)
    }

    /// Records a sweep.
    public func record(score value: Int, checks: [HealthCheckResult], openAlerts: [StoredSecurityAlert], findings: [VulnerabilityScanner.Finding]?) {
        score.set(to: Double(value))
        for check in checks {
            gauge("check_status", "Status of each health check: 0 OK, 1 DEGRADED, 2 FAILED.", [("check", check.name)])
                .set(to: check.status == .ok ? 0 : check.status == .degraded ? 1 : 2)
            if let value = check.value {
                gauge("check_value", "The value each health check measured, in the unit of its threshold.", [("check", check.name)]).set(to: value)
            }
        }
        for level in AlertLevel.allCases {
            gauge("alerts_open", "Open (unresolved) alerts by level.", [("level", level.rawValue)]).set(to: Double(openAlerts.filter { $0.level == level }.count))
        }
        if let findings {
            for severity in VulnerabilityScanner.Severity.allCases {
                gauge("vulnerabilities", "Vulnerability findings of the last scan by severity.", [("severity", severity.rawValue)])
                    .set(to: Double(findings.filter { $0.severity == severity }.count))
            }
        }
    }
}
