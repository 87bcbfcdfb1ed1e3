/// An error answer of Alpaca (`{"code": 40310000, "message": "…"}`, the code sometimes absent).
public struct AlpacaAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    public let httpStatus: Int
    /// Alpaca's own code (0 when the body has none).
    public let code: Int64
    public let message: String

    /// Creates an error.
    public init(httpStatus: Int, code: Int64, message: String) {
        self.httpStatus = httpStatus
        self.code = code
        self.message = message
    }

    public var description: String { "HTTP \(httpStatus)\(code != 0 ? " (\(code))" : ""): \(message)" }
}

/// A request whose outcome is not known (a time-out or a 5xx after it was sent): an order may
/// exist, to be found by its client order id, never sent again.
public struct AlpacaOutcomeUnknown: Error, Sendable, CustomStringConvertible {
    public let description: String
}
