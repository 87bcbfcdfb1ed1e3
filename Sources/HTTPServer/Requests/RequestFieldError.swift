/// A member of a request (an API body, a file in the same format) whose value cannot be used:
/// its name and the reason, such as the accepted values.
public struct RequestFieldError: Error, Sendable, CustomStringConvertible {
    /// The member's name, as written in the request.
    public let field: String
    /// Why its value cannot be used.
    public let reason: String

    /// An error naming `field`.
    public init(_ field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }

    /// The value of an enum named by `text`, as the document writes it, or an error listing the
    /// accepted values.
    static func parse<Value: CaseIterable & RawRepresentable>(_ text: String, field: String, as type: Value.Type) throws(RequestFieldError) -> Value
    where Value.RawValue == String {
        if let value = Value(rawValue: text) { return value }
        throw RequestFieldError(field, "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")), got \(text)")
    }
}
