import Foundation
import Synchronization

/// A parsed JSON value that keeps booleans, integers and other numbers apart (Foundation's
/// JSONSerialization does not on every platform).
public indirect enum JSONNode: Sendable, Decodable, Equatable {
    case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSONNode]), object([String: JSONNode])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONNode].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONNode].self)) }
    }

    /// Parses JSON text.
    public static func parse(_ data: Data) throws -> JSONNode {
        try JSONDecoder().decode(JSONNode.self, from: data)
    }

    /// The members of an object, else nil.
    public var object: [String: JSONNode]? { if case .object(let members) = self { members } else { nil } }
    /// The elements of an array, else nil.
    public var array: [JSONNode]? { if case .array(let elements) = self { elements } else { nil } }
    /// The text of a string, else nil.
    public var string: String? { if case .string(let text) = self { text } else { nil } }
    /// The value of a number (integer or not), else nil.
    public var number: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .number(let value): value
        default: nil
        }
    }
    /// A member of an object.
    public subscript(key: String) -> JSONNode? { object?[key] }
}

/// A JSON Schema validator for the subset of JSON Schema 2020-12 that the service's OpenAPI 3.1
/// document uses: `type` (one or a list, `integer` included), `properties`, `required`,
/// `additionalProperties` (false or a schema), `items`, `enum`, `const`, `oneOf`, `anyOf`, `allOf`,
/// `pattern`, `minimum`, `maximum`, `minLength`, `maxLength`, `minItems`, `maxItems`, and `$ref` to
/// `#/components/...`. Annotations (`description`, `format`, `default`, `example`) are not checked.
/// A keyword outside that subset is itself reported, so that the document cannot grow a rule the
/// tests silently skip.
public struct JSONSchemaValidator: Sendable {
    /// The whole document, for `$ref`s.
    private let document: JSONNode

    /// A validator resolving `$ref`s in `document`.
    public init(document: JSONNode) {
        self.document = document
    }

    private static let annotations: Set<String> = ["description", "format", "default", "example", "examples", "title", "deprecated", "readOnly", "writeOnly"]
    private static let assertions: Set<String> = [
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "oneOf", "anyOf", "allOf", "pattern",
        "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "$ref",
    ]

    /// The violations of `value` against `schema`, each naming its JSON path; empty when it conforms.
    public func violations(of value: JSONNode, against schema: JSONNode, at path: String = "$") -> [String] {
        guard let rules = schema.object else {
            if case .bool(let allowed) = schema { return allowed ? [] : ["\(path): no value is allowed here"] }
            return ["\(path): the schema is not an object"]
        }
        var problems: [String] = []
        for key in rules.keys.sorted() where !Self.annotations.contains(key) && !Self.assertions.contains(key) {
            problems.append("\(path): the schema keyword \(key) is not supported by the test validator")
        }
        if let reference = rules["$ref"]?.string {
            guard let target = resolve(reference) else { return problems + ["\(path): unresolvable $ref \(reference)"] }
            problems += violations(of: value, against: target, at: path)
        }
        if let types = rules["type"] {
            let names = types.array?.compactMap(\.string) ?? [types.string ?? ""]
            if !names.contains(where: { Self.matches(value, type: $0) }) {
                return problems + ["\(path): \(Self.describe(value)) is not of type \(names.joined(separator: " or "))"]
            }
        }
        if let allowed = rules["enum"]?.array, !allowed.contains(where: { Self.equal($0, value) }) {
            problems.append("\(path): \(Self.describe(value)) is not one of \(allowed.map(Self.describe).joined(separator: ", "))")
        }
        if let constant = rules["const"], !Self.equal(constant, value) {
            problems.append("\(path): \(Self.describe(value)) is not \(Self.describe(constant))")
        }
        if let object = value.object {
            let properties = rules["properties"]?.object ?? [:]
            for name in rules["required"]?.array?.compactMap(\.string) ?? [] where object[name] == nil {
                problems.append("\(path): the required member \(name) is missing")
            }
            for (name, member) in object.sorted(by: { $0.key < $1.key }) {
                if let property = properties[name] {
                    problems += violations(of: member, against: property, at: "\(path).\(name)")
                } else if let additional = rules["additionalProperties"] {
                    problems += violations(of: member, against: additional, at: "\(path).\(name)")
                        .map { $0.hasSuffix("no value is allowed here") ? "\(path): the member \(name) is not in the schema" : $0 }
                }
            }
        }
        if let array = value.array {
            if let items = rules["items"] {
                for (index, element) in array.enumerated() { problems += violations(of: element, against: items, at: "\(path)[\(index)]") }
            }
            if let minimum = rules["minItems"]?.number, Double(array.count) < minimum { problems.append("\(path): \(array.count) items, fewer than \(minimum)") }
            if let maximum = rules["maxItems"]?.number, Double(array.count) > maximum { problems.append("\(path): \(array.count) items, more than \(maximum)") }
        }
        if let text = value.string {
            if let pattern = rules["pattern"]?.string {
                if let expression = Self.expression(pattern) {
                    if expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                        problems.append("\(path): \"\(text)\" does not match \(pattern)")
                    }
                } else {
                    problems.append("\(path): the pattern \(pattern) does not compile")
                }
            }
            if let minimum = rules["minLength"]?.number, Double(text.count) < minimum { problems.append("\(path): shorter than \(minimum) characters") }
            if let maximum = rules["maxLength"]?.number, Double(text.count) > maximum { problems.append("\(path): longer than \(maximum) characters") }
        }
        if let number = value.number {
            if let minimum = rules["minimum"]?.number, number < minimum { problems.append("\(path): \(number) is below \(minimum)") }
            if let maximum = rules["maximum"]?.number, number > maximum { problems.append("\(path): \(number) is above \(maximum)") }
        }
        for part in rules["allOf"]?.array ?? [] { problems += violations(of: value, against: part, at: path) }
        if let any = rules["anyOf"]?.array, !any.contains(where: { violations(of: value, against: $0, at: path).isEmpty }) {
            problems.append("\(path): \(Self.describe(value)) matches none of anyOf")
        }
        if let one = rules["oneOf"]?.array {
            let matching = one.filter { violations(of: value, against: $0, at: path).isEmpty }.count
            if matching != 1 {
                let details = one.enumerated().map { "[\($0.offset)] " + violations(of: value, against: $0.element, at: path).prefix(2).joined(separator: "; ") }
                problems.append("\(path): \(Self.describe(value)) matches \(matching) of oneOf, not exactly 1 (\(details.joined(separator: " | ")))")
            }
        }
        return problems
    }

    /// The schema a local `$ref` (`#/a/b`) points at.
    public func resolve(_ reference: String) -> JSONNode? {
        guard reference.hasPrefix("#/") else { return nil }
        var node = document
        for part in reference.dropFirst(2).split(separator: "/") {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            guard let next = node[key] else { return nil }
            node = next
        }
        return node
    }

    /// Compiled patterns, shared: compiling one costs far more than matching it.
    private static let expressions = Mutex<[String: NSRegularExpression?]>([:])

    private static func expression(_ pattern: String) -> NSRegularExpression? {
        if let cached = expressions.withLock({ $0[pattern] }) { return cached }
        let compiled = try? NSRegularExpression(pattern: pattern)
        expressions.withLock { $0[pattern] = compiled }
        return compiled
    }

    private static func matches(_ value: JSONNode, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("object", .object), ("array", .array), ("string", .string), ("integer", .integer): true
        case ("number", .integer), ("number", .number): true
        case ("integer", .number(let number)): number.rounded() == number
        default: false
        }
    }

    private static func equal(_ left: JSONNode, _ right: JSONNode) -> Bool {
        if let left = left.number, let right = right.number { return left == right }
        return left == right
    }

    private static func describe(_ value: JSONNode) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .integer(let number): "\(number)"
        case .number(let number): "\(number)"
        case .string(let text): "\"\(text.prefix(60))\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}
