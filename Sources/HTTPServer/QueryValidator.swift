import Hummingbird

/// Reads query parameters and rejects names a route does not know, so a typo such as `limt=10`
/// is a 400 that says so, not a silently ignored value.
struct QueryValidator {
    private let parameters: [(name: String, value: String)]

    /// No parameters (a page built without a request's query).
    init() {
        parameters = []
    }

    init(_ request: Request, allowed: Set<String>) throws {
        var list: [(String, String)] = []
        var unknown: [String] = []
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            if !allowed.contains(name) { unknown.append(name) }
            list.append((name, String(value)))
        }
        if !unknown.isEmpty {
            let accepted = allowed.sorted().joined(separator: ", ")
            throw ProblemDetails(.invalidParameter,
                                 detail: "unknown query parameter(s) \(unknown.joined(separator: ", ")); accepted: \(accepted.isEmpty ? "none" : accepted)",
                                 fieldErrors: unknown.map { ($0, "unknown parameter; accepted: \(accepted.isEmpty ? "none" : accepted)") })
        }
        parameters = list
    }

    /// The single value of a parameter; a repeated parameter is an error.
    func value(_ name: String) throws -> String? {
        let values = parameters.filter { $0.name == name }.map(\.value)
        guard values.count <= 1 else { throw ProblemDetails.invalidParameter(name, "given more than once") }
        return values.first
    }

    /// A required parameter.
    func required(_ name: String) throws -> String {
        guard let value = try value(name), !value.isEmpty else { throw ProblemDetails.invalidParameter(name, "is required") }
        return value
    }

    /// A value parsed by a function that returns nil for invalid text; the reason says what is accepted.
    func parsed<T>(_ name: String, accepted: String, _ parse: (String) -> T?) throws -> T? {
        guard let text = try value(name) else { return nil }
        guard let value = parse(text) else { throw ProblemDetails.invalidParameter(name, "'\(text)' is not valid; expected \(accepted)") }
        return value
    }
}
