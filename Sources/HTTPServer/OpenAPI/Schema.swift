import HTTPTypes
import Hummingbird
import TradingCore

/// Builders of the JSON Schemas and parameters the OpenAPI document uses, so that each route
/// group writes its schemas in a few lines and enumerations come from the enums the handlers use.
enum Schema {
    /// A reference to a schema under `#/components/schemas`.
    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    /// A response object whose members are all required unless `required` names them.
    static func object(_ properties: [(String, JSONValue)], required: [String]? = nil, description: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", "object")]
        if let description { members.append(("description", .string(description))) }
        members.append(("required", .array((required ?? properties.map(\.0)).map(JSONValue.string))))
        members.append(("properties", .object(properties)))
        return .object(members)
    }

    /// A request object that refuses unknown members; each group of `exactlyOneOf` lists members
    /// of which exactly one must be present (the route answers 400 otherwise).
    static func closedObject(_ properties: [(String, JSONValue)], required: [String] = [], description: String,
                             exactlyOneOf alternatives: [[String]] = []) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", "object"), ("description", .string(description)), ("additionalProperties", false),
            ("required", .array(required.map(JSONValue.string))), ("properties", .object(properties)),
        ]
        if !alternatives.isEmpty {
            members.append(("allOf", .array(alternatives.map { group in
                ["oneOf": .array(group.map { ["required": [.string($0)]] })]
            })))
        }
        return .object(members)
    }

    /// A string that takes the raw values of an enum, in its declaration order.
    static func enumeration<Value: CaseIterable & RawRepresentable>(_ type: Value.Type, description: String? = nil,
                                                                     default defaultValue: Value? = nil) -> JSONValue where Value.RawValue == String {
        strings(type.allCases.map(\.rawValue), description: description, default: defaultValue?.rawValue)
    }

    /// A string that takes one of `values`.
    static func strings(_ values: [String], description: String? = nil, default defaultValue: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", "string"), ("enum", .array(values.map(JSONValue.string)))]
        if let defaultValue { members.append(("default", .string(defaultValue))) }
        if let description { members.append(("description", .string(description))) }
        return .object(members)
    }

    /// `schema`, or null.
    static func nullable(_ schema: JSONValue, description: String? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("oneOf", [schema, ["type": "null"]])]
        if let description { members.append(("description", .string(description))) }
        return .object(members)
    }

    /// An array of `items`.
    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }

    static let string: JSONValue = ["type": "string"]
    static let nullableString: JSONValue = ["type": ["string", "null"]]
    static let dateTime: JSONValue = ["type": "string", "format": "date-time"]
    static let nullableDateTime: JSONValue = ["type": ["string", "null"], "format": "date-time"]
    static let integer: JSONValue = ["type": "integer"]
    static let identifier: JSONValue = ["type": "integer", "format": "int64"]
    static let boolean: JSONValue = ["type": "boolean"]
    static let number: JSONValue = ["type": "number"]
    static let nullableNumber: JSONValue = ["type": ["number", "null"], "description": "null when undefined for the data."]
    /// An exact decimal number in a string.
    static let decimal: JSONValue = ["type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "description": "An exact decimal number."]
    /// A symbol as `Symbol` accepts it.
    static let symbol: JSONValue = ["type": "string", "pattern": "^[A-Za-z0-9._\\-^/:]{1,32}$"]
    /// A bar length.
    static let timeframe = enumeration(Timeframe.self)
    /// Weights by symbol.
    static let weightMap: JSONValue = ["type": "object", "additionalProperties": ["type": "number"]]

    /// A query parameter.
    static func query(_ name: String, required: Bool = false, _ description: String, _ schema: JSONValue) -> JSONValue {
        ["name": .string(name), "in": "query", "required": .bool(required), "description": .string(description), "schema": schema]
    }

    /// A path parameter.
    static func path(_ name: String, _ description: String, _ schema: JSONValue) -> JSONValue {
        ["name": .string(name), "in": "path", "required": true, "description": .string(description), "schema": schema]
    }

    /// A positive int64 id in the path.
    static func idPath(_ description: String) -> JSONValue {
        path("id", description, ["type": "integer", "format": "int64", "minimum": 1])
    }

    /// The optional `Idempotency-Key` header of a request that changes something.
    static let idempotencyKey: JSONValue = ["name": "Idempotency-Key", "in": "header", "required": false,
                                            "description": "Repeat-safe request key: a request repeated with it does nothing new.",
                                            "schema": ["type": "string", "minLength": 1, "maxLength": 190]]

    /// The request's `Idempotency-Key` (nil without one); longer than 190 characters is a 400.
    static func idempotencyKey(of request: Request) throws -> String? {
        guard let header = request.headers[HTTPField.Name("Idempotency-Key")!] else { return nil }
        guard !header.isEmpty, header.count <= 190 else { throw ProblemDetails.invalidParameter("Idempotency-Key", "must be 1 to 190 characters") }
        return header
    }

    /// `{symbol}` in the path.
    static let symbolPath = path("symbol", "The instrument, such as BTC-USD.", symbol)
    /// `?account=`, default paper.
    static let accountQuery = query("account", "The trading account (default paper).", ["type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"])
    /// `?limit=` from 1 to 1000.
    static let limitQuery = query("limit", "How many (1–1000, default 100).", ["type": "integer", "minimum": 1, "maximum": 1000])
}
