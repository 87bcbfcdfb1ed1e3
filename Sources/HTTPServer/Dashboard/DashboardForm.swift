import Foundation
import Hummingbird

/// A form posted by a dashboard page (`application/x-www-form-urlencoded`), its anti-forgery token
/// checked before anything is read from it: the browser is never trusted.
struct DashboardForm: Sendable {
    /// The largest form accepted, in bytes.
    static let maximumBytes = 8192

    /// The fields by name (the first value of each).
    let fields: [String: String]

    /// The form of `request`, refused (403) unless it carries `expectedToken` in `form_token`.
    static func read(_ request: Request, expectedToken: (String) -> Bool) async throws -> DashboardForm {
        let contentType = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard contentType == "application/x-www-form-urlencoded" else {
            throw ProblemDetails(.unsupportedMediaType, detail: "a dashboard form is sent as application/x-www-form-urlencoded, got \(contentType ?? "none")")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBytes)
        } catch {
            throw ProblemDetails(.payloadTooLarge, detail: "a dashboard form is at most \(maximumBytes) bytes")
        }
        let form = DashboardForm(fields: parse(String(buffer: buffer)))
        guard let token = form.fields["form_token"], expectedToken(token) else {
            throw ProblemDetails(.forbidden, detail: "the form's anti-forgery token is missing or wrong: reload the page and send it again")
        }
        return form
    }

    /// `name=value&…` with `+` for spaces and percent-escapes; the first value of a name wins.
    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let name = decoded(parts[0])
            if fields[name] == nil { fields[name] = parts.count > 1 ? decoded(parts[1]) : "" }
        }
        return fields
    }
}
