import Foundation
import TestSupport
import Testing

/// The test-side JSON Schema validator that checks every API response: it must reject what the
/// schema forbids (or the response checks could pass by accident) and accept what it allows.
@Suite("JSON Schema validator of the response checks")
struct JSONSchemaValidatorTests {
    static let document = """
        {"components": {"schemas": {
            "Problem": {"type": "object", "required": ["type", "status"], "properties": {
                "type": {"type": "string"}, "status": {"type": "integer", "minimum": 400, "maximum": 599}}},
            "Level": {"type": "string", "enum": ["INFO", "WARNING"]}}}}
        """

    /// (schema, value, violations expected)
    static let cases: [(schema: String, value: String, expectsViolations: Bool)] = [
        (##"{"type": "string"}"##, ##""a""##, false),
        (##"{"type": "string"}"##, ##"1"##, true),
        (##"{"type": "integer"}"##, ##"1"##, false),
        (##"{"type": "integer"}"##, ##"1.5"##, true),
        (##"{"type": "number"}"##, ##"1"##, false),
        (##"{"type": "boolean"}"##, ##"1"##, true),
        (##"{"type": "integer"}"##, ##"true"##, true),
        (##"{"type": ["string", "null"]}"##, ##"null"##, false),
        (##"{"type": "string", "pattern": "^[0-9]+$"}"##, ##""12a""##, true),
        (##"{"type": "string", "maxLength": 2}"##, ##""abc""##, true),
        (##"{"$ref": "#/components/schemas/Level"}"##, ##""WARNING""##, false),
        (##"{"$ref": "#/components/schemas/Level"}"##, ##""warning""##, true),
        (##"{"$ref": "#/components/schemas/Missing"}"##, ##""x""##, true),
        (##"{"$ref": "#/components/schemas/Problem"}"##, ##"{"type": "about:blank", "status": 404}"##, false),
        (##"{"$ref": "#/components/schemas/Problem"}"##, ##"{"type": "about:blank"}"##, true),
        (##"{"$ref": "#/components/schemas/Problem"}"##, ##"{"type": "about:blank", "status": 200}"##, true),
        (##"{"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": false}"##, ##"{"a": 1, "b": 2}"##, true),
        (##"{"type": "object", "additionalProperties": {"type": "integer"}}"##, ##"{"a": 1, "b": "x"}"##, true),
        (##"{"type": "array", "items": {"type": "integer"}}"##, ##"[1, 2, 3]"##, false),
        (##"{"type": "array", "items": {"type": "integer"}}"##, ##"[1, "2"]"##, true),
        (##"{"oneOf": [{"type": "string"}, {"type": "integer"}]}"##, ##"3"##, false),
        (##"{"oneOf": [{"type": "number"}, {"type": "integer"}]}"##, ##"3"##, true),
        (##"{"anyOf": [{"type": "string"}, {"type": "null"}]}"##, ##"3"##, true),
        (##"{"type": "string", "frobnicate": 1}"##, ##""a""##, true),
    ]

    @Test("rejects what the schema forbids and accepts what it allows", arguments: cases)
    func validation(schema: String, value: String, expectsViolations: Bool) throws {
        let validator = JSONSchemaValidator(document: try JSONNode.parse(Data(Self.document.utf8)))
        let problems = validator.violations(of: try JSONNode.parse(Data(value.utf8)), against: try JSONNode.parse(Data(schema.utf8)))
        #expect(problems.isEmpty != expectsViolations, "\(schema) on \(value): \(problems)")
    }

    @Test("a request path finds its documented template, the literal one before a parameter", arguments: [
        ("/api/v1/backtests/12", "/api/v1/backtests/{id}"),
        ("/api/v1/market/bars", "/api/v1/market/bars"),
        ("/api/v1/nothing/here", nil),
    ] as [(String, String?)])
    func templates(path: String, expected: String?) async throws {
        let fixture = try await ServerFixture.make()
        let contract = try APIContract.of(fixture.dependencies)
        await fixture.close()
        #expect(contract.template(of: path) == expected)
    }
}
