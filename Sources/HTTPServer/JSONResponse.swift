import HTTPTypes
import Hummingbird
import NIOCore
import TradingCore

/// Builds JSON responses from `JSONValue` (stable key order, snake_case keys).
enum JSONResponse {
    /// A JSON response with a status.
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        make(bytes: value.serialized(), status: status)
    }

    /// A JSON response from bytes already serialised.
    static func make(bytes: [UInt8], status: HTTPResponse.Status = .ok, contentType: String = "application/json") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
