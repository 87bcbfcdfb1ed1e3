/// An error answer of the exchange: `{"code": -1121, "msg": "Invalid symbol."}` with its HTTP status.
public struct BinanceAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    public let httpStatus: Int
    /// Binance's error code (negative), 0 when the body had none.
    public let code: Int
    public let message: String

    /// Creates an error.
    public init(httpStatus: Int, code: Int, message: String) {
        self.httpStatus = httpStatus
        self.code = code
        self.message = message
    }

    public var description: String { "Binance error \(code) (HTTP \(httpStatus)): \(message)" }

    /// -1021: the request's timestamp is outside the receive window.
    public var isTimestampOutsideWindow: Bool { code == -1021 }
    /// -2013 on a query, -2011 with "Unknown order sent." on a cancel: no such order.
    public var isUnknownOrder: Bool { code == -2013 || (code == -2011 && message.contains("Unknown order")) }
    /// -2010 "Duplicate order sent.": the client order id is in use.
    public var isDuplicateOrder: Bool { code == -2010 && message.contains("Duplicate") }
}

/// A 5xx, a time-out or a broken connection after a request was written: the exchange may or may
/// not have acted on it.
public struct BinanceOutcomeUnknown: Error, Sendable, CustomStringConvertible {
    public let description: String
}
