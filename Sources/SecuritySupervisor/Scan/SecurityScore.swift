/// The security score, 0–100: it starts at 100 and loses documented points for each problem, and
/// the breakdown comes with it so a reader sees exactly why it is 73.
///
/// Penalties (docs/security.md):
/// * a vulnerability finding: CRITICAL 20, HIGH 10, MEDIUM 4, LOW 1, UNKNOWN 6 — at most 25 per
///   package (one package with fifty advisories is one upgrade, not fifty problems);
/// * the vulnerability database: missing or empty 40, stale 15, unreadable files 5 (nothing is
///   "clean" when the evidence is absent);
/// * each health check: failed 10, degraded 3; each posture problem: 8.
public struct SecurityScore: Sendable {
    /// One line of the breakdown: what was seen, what it means, and the one thing that removes it.
    public struct Deduction: Sendable, Hashable {
        public let reason: String
        public let points: Int
        /// What the problem means for this installation.
        public let meaning: String
        /// The command or change that removes the deduction.
        public let remedy: String

        /// Creates a deduction.
        public init(reason: String, points: Int, meaning: String, remedy: String) {
            self.reason = reason
            self.points = points
            self.meaning = meaning
            self.remedy = remedy
        }
    }

    public let score: Int
    public let deductions: [Deduction]

    /// A check's result, as far as the score is concerned.
    public enum CheckStatus: String, Sendable {
        case ok = "OK"
        case degraded = "DEGRADED"
        case failed = "FAILED"
    }

    /// Points per finding severity.
    public static func points(_ severity: VulnerabilityScanner.Severity) -> Int {
        switch severity {
        case .critical: 20
        case .high: 10
        case .medium: 4
        case .low: 1
        case .unknown: 6
        }
    }

    /// The most one package can cost.
    public static let packageCap = 25

    /// The score of a scan report and a sweep's check results (the `posture.` ones are posture problems).
    public init(report: VulnerabilityScanner.Report?, results: [HealthCheckResult]) {
        let posture = results.filter { $0.name.hasPrefix("posture.") }
        self.init(report: report,
                  checks: results.filter { !$0.name.hasPrefix("posture.") }.map { ($0.name, CheckStatus(rawValue: $0.status.rawValue) ?? .failed, $0.message) },
                  posture: posture.filter { $0.status != .ok }.map { ($0.name, $0.message) })
    }

    /// The score of a scan report, health checks (name, status) and posture problems.
    public init(report: VulnerabilityScanner.Report?, checks: [(name: String, status: CheckStatus)] = [], postureProblems: [String] = []) {
        self.init(report: report, checks: checks.map { ($0.name, $0.status, "") }, posture: postureProblems.map { ("", $0) })
    }

    private init(report: VulnerabilityScanner.Report?, checks: [(name: String, status: CheckStatus, message: String)], posture: [(name: String, problem: String)]) {
        var deductions: [Deduction] = []
        if let report {
            var byPackage: [String: [VulnerabilityScanner.Finding]] = [:]
            for finding in report.findings { byPackage["\(finding.ecosystem) \(finding.package) \(finding.installedVersion)", default: []].append(finding) }
            for key in byPackage.keys.sorted() {
                let findings = byPackage[key]!
                let raw = findings.reduce(0) { $0 + Self.points($1.severity) }
                let counts = VulnerabilityScanner.Severity.allCases.compactMap { severity -> String? in
                    let count = findings.filter { $0.severity == severity }.count
                    return count > 0 ? "\(count) \(severity.rawValue)" : nil
                }
                let advice = SecurityAdvice.package(findings)
                deductions.append(Deduction(reason: "\(key): \(counts.joined(separator: ", "))\(raw > Self.packageCap ? " (capped at \(Self.packageCap))" : "")",
                                            points: min(raw, Self.packageCap), meaning: advice.meaning, remedy: advice.remedy))
            }
            for problem in report.databaseProblems {
                let points = switch problem {
                case .missing: 40
                case .stale: 15
                case .unreadable: 5
                }
                let advice = SecurityAdvice.database(problem, packages: report.packagesScanned)
                deductions.append(Deduction(reason: problem.description, points: points, meaning: advice.meaning, remedy: advice.remedy))
            }
        }
        for check in checks where check.status != .ok {
            deductions.append(Deduction(reason: "check \(check.name) \(check.status.rawValue)", points: check.status == .failed ? 10 : 3,
                                        meaning: check.message.isEmpty ? "the check \(check.name) is \(check.status.rawValue)" : check.message,
                                        remedy: SecurityAdvice.check(check.name)))
        }
        for entry in posture {
            let advice = SecurityAdvice.posture(entry.name)
            deductions.append(Deduction(reason: "posture: \(entry.problem)", points: 8, meaning: advice.meaning, remedy: advice.remedy))
        }
        self.deductions = deductions
        score = max(0, 100 - deductions.reduce(0) { $0 + $1.points })
    }
}
