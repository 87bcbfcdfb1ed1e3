import Foundation
import HTTPServer
import Logging
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SecuritySupervisor
import TradingCore

/// Delivers each new alert as a JSON POST to a configured URL, retried with backoff: a failed
/// delivery is logged by the caller and never stops the supervisor. The URL itself is a secret
/// (it often embeds a token) and is never logged.
public struct AlertWebhook: Sendable {
    public let url: URL
    public var attempts = 3
    public var firstBackoff: Duration = .milliseconds(500)
    public var timeout: TimeInterval = 5

    /// Creates a webhook for a URL.
    public init(url: URL) {
        self.url = url
    }

    /// The body of one alert: the API's alert representation, so receivers parse one shape.
    public static func body(_ alert: StoredSecurityAlert) -> JSONValue { Representations.securityAlert(alert) }

    /// Why a delivery failed after every attempt.
    public struct DeliveryError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Posts the alert; returns the number of attempts it took, or throws after the last one.
    @discardableResult
    public func deliver(_ alert: StoredSecurityAlert) async throws -> Int {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(Self.body(alert).serialized())
        var backoff = firstBackoff
        var last = "no attempt"
        for attempt in 1...max(attempts, 1) {
            do {
                let (_, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(status) { return attempt }
                last = "HTTP \(status)"
            } catch {
                last = String(describing: type(of: error))
            }
            if attempt < attempts {
                try await Task.sleep(for: backoff)
                backoff *= 2
            }
        }
        throw DeliveryError(description: "the alert webhook failed \(attempts) times (last: \(last))")
    }
}

extension AlertWebhook {
    /// What hands a newly raised alert to the configured webhook (`security.webhook_url`), off the
    /// caller's path, logging a failed delivery; nil when no webhook is configured. Every raiser of
    /// alerts uses it: the supervisor's sweeps, the feedback loop's turn, the system signatures.
    static func delivery(_ configuration: OrchestratorConfiguration, logger: Logger) -> (@Sendable (StoredSecurityAlert) async -> Void)? {
        guard let webhook = configuration.security.webhookURL.flatMap(URL.init(string:)).map(AlertWebhook.init(url:)) else { return nil }
        return { @Sendable alert in
            Task {
                do {
                    try await webhook.deliver(alert)
                } catch {
                    logger.warning("alert webhook delivery failed", metadata: ["alert_id": .stringConvertible(alert.id), "reason": .string(String(describing: error))])
                }
            }
        }
    }
}
