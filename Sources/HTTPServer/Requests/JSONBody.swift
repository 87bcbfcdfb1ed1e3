import Foundation
import Hummingbird

/// Reading JSON request bodies strictly: `Content-Type: application/json`, an object of the
/// route's members only, no member null (none is nullable in the document: leaving a member out
/// gives its default), decoding failures and unusable values as 400 problems naming the member.
enum JSONBody {
    /// The body's bytes, requiring `Content-Type: application/json` (an empty body passes without one when `allowEmpty`).
    static func read(_ request: Request, allowEmpty: Bool = false) async throws -> Data {
        // The body-limit middleware has already collected and bounded it.
        let buffer = try await request.body.collect(upTo: .max)
        if allowEmpty && buffer.readableBytes == 0 { return Data() }
        let contentType = request.headers[.contentType]?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard contentType == "application/json" else {
            throw ProblemDetails(.unsupportedMediaType, detail: "the body must be sent with Content-Type: application/json, got \(contentType ?? "none")")
        }
        return Data(buffer.readableBytesView)
    }

    /// The body, read and `checked`.
    static func readChecked(_ request: Request, allowedKeys: Set<String>) async throws -> Data {
        try checked(try await read(request), allowedKeys: allowedKeys)
    }

    /// `data` when it is an object of `allowedKeys` only with no null anywhere, else a 400.
    static func checked(_ data: Data, allowedKeys: Set<String>) throws -> Data {
        if let problem = problem(in: data, allowedKeys: allowedKeys) {
            throw ProblemDetails(.malformedJSON, detail: problem.description, fieldErrors: [(problem.field, problem.reason)])
        }
        return data
    }

    /// What is wrong with `data` as a request object of `allowedKeys` (nil: nothing): not an
    /// object, a member the request does not have (a typo is refused, not ignored), or a null.
    static func problem(in data: Data, allowedKeys: Set<String>) -> RequestFieldError? {
        guard let object = try? JSONSerialization.jsonObject(with: data), let members = object as? [String: Any] else {
            return RequestFieldError("body", "must be a JSON object")
        }
        if let unknown = members.keys.sorted().first(where: { !allowedKeys.contains($0) }) {
            return RequestFieldError(unknown, "is not a member of this body; allowed: \(allowedKeys.sorted().joined(separator: ", "))")
        }
        if let path = nullMember(in: object) {
            return RequestFieldError(path, "is null; leave the member out for its default")
        }
        return nil
    }

    /// The path of the first member or element whose value is null, members in name order (nil: none).
    static func nullMember(in value: Any, path: String = "") -> String? {
        if let object = value as? [String: Any] {
            for key in object.keys.sorted() {
                let member = path.isEmpty ? key : "\(path).\(key)"
                if object[key] is NSNull { return member }
                if let found = nullMember(in: object[key]!, path: member) { return found }
            }
        } else if let array = value as? [Any] {
            for (index, element) in array.enumerated() {
                if element is NSNull { return "\(path)[\(index)]" }
                if let found = nullMember(in: element, path: "\(path)[\(index)]") { return found }
            }
        }
        return nil
    }

    /// `data` decoded as `type`; a failure is a 400 naming the member.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw ProblemDetails(.malformedJSON, detail: error.clientDescription)
        }
    }

    /// A request read into its typed form; a member that cannot be used is a 400 naming it.
    static func typed<T>(_ body: () throws(RequestFieldError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw ProblemDetails.invalidParameter(error.field, error.reason)
        }
    }
}
