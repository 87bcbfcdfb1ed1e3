import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import TradingEngine

/// One HTTP exchange with a venue, as every connector needs it: a failure to connect means nothing
/// was sent (`VenueError.unreachable`); any other failure after the request may have left is an
/// unknown outcome (`NoAnswer`), which a connector must resolve, never retry blindly.
public enum VenueHTTPTransport {
    /// An answer: status, headers and body bytes.
    public struct Answer: Sendable {
        public let status: Int
        public let headers: [(name: String, value: String)]
        public let body: [UInt8]
    }

    /// The request may have reached the venue but no answer came (a time-out, a dropped connection).
    public struct NoAnswer: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Sends `request` and reads its answer (at most `maximumBytes`) within `timeout`; `what` names it in errors.
    /// With `observations`, the exchange is counted under `subject` for the venue's system
    /// signature: no answer, a 5xx, a 429 and a 418 fail; other answers, refusals included, succeed
    /// (the venue worked; the request was wrong).
    public static func exchange(_ request: HTTPClientRequest, http: HTTPClient, timeout: Duration, maximumBytes: Int, what: String,
                                baseURL: String, observations: SystemObservations? = nil, subject: String = "") async throws -> Answer {
        let start = ContinuousClock.now
        var status: Int?
        defer {
            observations?.record(.venue, subject: subject, duration: ContinuousClock.now - start,
                                 failed: status.map { $0 >= 500 || $0 == 429 || $0 == 418 } ?? true)
        }
        let answer = try await exchangeUnobserved(request, http: http, timeout: timeout, maximumBytes: maximumBytes, what: what, baseURL: baseURL)
        status = answer.status
        return answer
    }

    private static func exchangeUnobserved(_ request: HTTPClientRequest, http: HTTPClient, timeout: Duration, maximumBytes: Int, what: String,
                                           baseURL: String) async throws -> Answer {
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                                                                  + timeout.components.attoseconds / 1_000_000_000))
            let body = try await response.body.collect(upTo: maximumBytes)
            return Answer(status: Int(response.status.code), headers: response.headers.map { (name: $0.name, value: $0.value) },
                          body: Array(body.readableBytesView))
        } catch let error as HTTPClientError where error == .connectTimeout {
            // Never connected: nothing was sent.
            throw VenueError(.unreachable, "\(what): could not connect to \(baseURL) (\(error))")
        } catch let error as NIOConnectionError {
            throw VenueError(.unreachable, "\(what): could not connect to \(baseURL) (\(error))")
        } catch let error as IOError where error.errnoCode == ECONNREFUSED {
            throw VenueError(.unreachable, "\(what): \(baseURL) refused the connection")
        } catch {
            throw NoAnswer(description: "\(what): no answer (\(error)); the request may have reached the venue")
        }
    }
}

extension Array where Element == (name: String, value: String) {
    /// The first header named `name` (case-insensitive).
    public func first(named name: String) -> String? {
        first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}
