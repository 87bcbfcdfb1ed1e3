import HTTPTypes
import TradingCore
import TradingEngine

/// One route as the OpenAPI document describes it: where it is served, who may call it, what it
/// takes and what it answers. The router serves a route at the operation's method and path, so a
/// route cannot exist without its operation.
struct APIOperation: Sendable {
    /// The documentation groups, in the order the documentation page lists them.
    enum Tag: String, Sendable, CaseIterable {
        case operations, documentation, system, marketData = "market data", portfolio, trading, jobs, feedback, supervisor, analytics,
             prediction, access
    }

    /// The documented success response.
    struct Success: Sendable {
        /// Its status (200, 201 or 202).
        let status: HTTPResponse.Status
        /// What it carries.
        let description: String
        /// Its body's schema; nil documents a plain string (text and HTML bodies).
        let schema: JSONValue?
        /// Its media type.
        let contentType: String

        /// A JSON success response.
        static func json(_ description: String, _ schema: JSONValue, status: HTTPResponse.Status = .ok) -> Success {
            Success(status: status, description: description, schema: schema, contentType: "application/json")
        }

        /// A text success response of a media type (Prometheus text, HTML).
        static func text(_ description: String, contentType: String) -> Success {
            Success(status: .ok, description: description, schema: nil, contentType: contentType)
        }
    }

    /// The method.
    let method: HTTPRequest.Method
    /// The path template, such as `/api/v1/backtests/{id}`.
    let path: String
    /// The stable operationId.
    let id: String
    /// The group it is listed under.
    let tag: Tag
    /// A few words.
    let summary: String
    /// What it does, in full.
    let description: String
    /// The least role that may call it; nil when it needs no key.
    let role: APIKeyRole?
    /// Its parameters (query, path, header).
    let parameters: [JSONValue]
    /// Its JSON body's schema, if it takes one.
    let requestBody: JSONValue?
    /// Whether that body must be sent.
    let bodyRequired: Bool
    /// The success response.
    let success: Success
    /// The problems it answers besides authentication failures and 500.
    let problems: [ProblemDetails.Kind]

    /// An operation; `role` nil means no key is needed.
    init(_ method: HTTPRequest.Method, _ path: String, id: String, tag: Tag, summary: String, role: APIKeyRole?, description: String,
         parameters: [JSONValue] = [], requestBody: JSONValue? = nil, bodyRequired: Bool = true, success: Success,
         problems: [ProblemDetails.Kind]) {
        self.method = method
        self.path = path
        self.id = id
        self.tag = tag
        self.summary = summary
        self.role = role
        self.description = description
        self.parameters = parameters
        self.requestBody = requestBody
        self.bodyRequired = bodyRequired
        self.success = success
        self.problems = problems
    }

    /// The operation object of the OpenAPI document.
    var document: JSONValue {
        var members: [(String, JSONValue)] = [
            ("operationId", .string(id)),
            ("tags", [.string(tag.rawValue)]),
            ("summary", .string(summary)),
            ("description", .string(description + (role.map { " Needs the \($0.rawValue) role or higher." } ?? ""))),
        ]
        if let role {
            members.append(("x-required-role", .string(role.rawValue)))
        } else {
            members.append(("security", []))
        }
        if !parameters.isEmpty { members.append(("parameters", .array(parameters))) }
        if let requestBody {
            members.append(("requestBody", ["required": .bool(bodyRequired), "content": ["application/json": ["schema": requestBody]]]))
        }
        let okSchema: JSONValue = ["schema": success.schema ?? Schema.string]
        let okContent: JSONValue = .object([(success.contentType, okSchema)])
        let okResponse: JSONValue = ["description": .string(success.description), "content": okContent]
        var responses: [(String, JSONValue)] = [(String(success.status.code), okResponse)]
        var kinds = problems
        if role != nil { kinds += [.unauthorized, .forbidden] }
        kinds.append(.internalError)
        for kind in kinds {
            let status = String(kind.status.code)
            if !responses.contains(where: { $0.0 == status }) {
                responses.append((status, ["$ref": .string("#/components/responses/\(OpenAPIDocument.responseName(kind))")]))
            }
        }
        members.append(("responses", .object(responses)))
        return .object(members)
    }
}
