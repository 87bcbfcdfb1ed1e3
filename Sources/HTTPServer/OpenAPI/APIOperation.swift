import HTTPTypes
import TradingCore
import TradingEngine

/// One route as the OpenAPI document describes it: where it is served, who may call it, what it
/// takes and what it answers. The router serves a route at the operation's method and path, so a
/// route cannot exist without its operation.
struct APIOperation: Sendable {
    /// The documentation groups, in the order the documentation page lists them.
    enum Tag: String, Sendable, CaseIterable {
        case operations, documentation, dashboard, system, marketData = "market data", portfolio, trading, jobs, feedback, supervisor, analytics,
             prediction, access
    }

    /// How a caller proves its role: an API key in the `Authorization` header (the API), or the
    /// dashboard's session cookie opened with a key (the pages under `/ui`).
    enum Authentication: Sendable {
        case bearer, session
    }

    /// The documented success response.
    struct Success: Sendable {
        /// Its status (200, 201 or 202).
        let status: HTTPResponse.Status
        /// What it carries.
        let description: String
        /// Its body's schema; nil documents a plain string (text and HTML bodies).
        let schema: JSONValue?
        /// Its media type; nil for a response without a body (a redirect).
        let contentType: String?

        /// A JSON success response.
        static func json(_ description: String, _ schema: JSONValue, status: HTTPResponse.Status = .ok) -> Success {
            Success(status: status, description: description, schema: schema, contentType: "application/json")
        }

        /// A text success response of a media type (Prometheus text, HTML).
        static func text(_ description: String, contentType: String) -> Success {
            Success(status: .ok, description: description, schema: nil, contentType: contentType)
        }

        /// An HTML page.
        static func page(_ description: String) -> Success {
            text(description, contentType: "text/html")
        }

        /// A 303 to another page (after a form is handled).
        static func redirect(_ description: String) -> Success {
            Success(status: .seeOther, description: description, schema: nil, contentType: nil)
        }

        /// A CSV download.
        static func csv(_ description: String) -> Success {
            text(description, contentType: "text/csv")
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
    /// How the role is proven.
    let authentication: Authentication
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
    /// A dashboard form whose bad field comes back as its page (HTML) with the problem's status,
    /// the problem written next to the field.
    var formPageOnProblem = false

    /// An operation; `role` nil means no key is needed.
    init(_ method: HTTPRequest.Method, _ path: String, id: String, tag: Tag, summary: String, role: APIKeyRole?,
         authentication: Authentication = .bearer, description: String,
         parameters: [JSONValue] = [], requestBody: JSONValue? = nil, bodyRequired: Bool = true, success: Success,
         problems: [ProblemDetails.Kind]) {
        self.authentication = authentication
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
            if authentication == .session { members.append(("security", [["sessionCookie": []]])) }
        } else {
            members.append(("security", []))
        }
        if !parameters.isEmpty { members.append(("parameters", .array(parameters))) }
        if let requestBody {
            members.append(("requestBody", ["required": .bool(bodyRequired), "content": ["application/json": ["schema": requestBody]]]))
        }
        var okResponse: [(String, JSONValue)] = [("description", .string(success.description))]
        if let contentType = success.contentType {
            let okSchema: JSONValue = ["schema": success.schema ?? Schema.string]
            okResponse.append(("content", .object([(contentType, okSchema)])))
        }
        var responses: [(String, JSONValue)] = [(String(success.status.code), .object(okResponse))]
        var kinds = problems
        switch (role, authentication) {
        case (nil, _): break
        case (_, .bearer): kinds += [.unauthorized, .forbidden]
        case (_, .session):
            // Without a session the page sends the browser to sign in, keeping the address to return to.
            if success.status != .seeOther {
                responses.append(("303", ["description": "No session (or an expired one): to /ui/sign-in?next=…"]))
            }
            kinds += [.forbidden]
        }
        kinds.append(.internalError)
        for kind in kinds {
            let status = String(kind.status.code)
            if formPageOnProblem && kind == .invalidParameter {
                responses.append((status, ["description": "A bad field: the form's page again with the reason next to the field (or a problem when the form itself is wrong).",
                                           "content": ["text/html": ["schema": Schema.string], "application/problem+json": ["schema": Schema.ref("Problem")]]]))
            }
            if !responses.contains(where: { $0.0 == status }) {
                responses.append((status, ["$ref": .string("#/components/responses/\(OpenAPIDocument.responseName(kind))")]))
            }
        }
        members.append(("responses", .object(responses)))
        return .object(members)
    }
}
