import Foundation
import Testing
import TradingCore

@Suite("JSONValue reads back what it wrote")
struct JSONValueDecodingTests {
    @Test("a serialized value decodes to the same value (members in key order)", arguments: [
        JSONValue.null, .bool(true), .bool(false), .integer(0), .integer(-42), .integer(Int64.max), .number(0.25), .number(-1.5e-9),
        .string(""), .string("net P&L \"quoted\" é"), .array([]), .array([.integer(1), .number(2.5), .null, .string("x")]),
        ["a": 1, "b": ["c": [true, nil], "d": "text"], "e": .number(3.75)],
    ])
    func roundTrip(value: JSONValue) throws {
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(value.serialized()))
        #expect(decoded == value)
    }

    @Test("a whole number written as a fraction reads back as an integer (the decoder does not tell them apart)")
    func wholeNumbers() throws {
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(JSONValue.number(1.0).serialized())) == .integer(1))
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data("1e300".utf8)) == .number(1e300))
    }

    @Test("members written out of key order come back in key order")
    func membersSorted() throws {
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"zeta": 1, "alpha": {"y": 2, "x": 3}}"#.utf8))
        #expect(decoded == ["alpha": ["x": 3, "y": 2], "zeta": 1])
    }

    @Test("text that is not JSON is refused")
    func notJSON() {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(JSONValue.self, from: Data("{\"a\": ".utf8)) }
    }
}
