import Foundation
import NIOHTTP1

/// Requests to one server on behalf of one signed-in user: URLs relative to the endpoint, and
/// `Authorization: Bearer <token>` from the user's credential on every request.
struct BearerClient: Sendable {
    /// The server, with a trailing slash.
    let endpoint: URL
    let transport: HTTPTransport
    /// The `api-version` query parameter every request carries (nil for APIs without one).
    let apiVersion: String?
    let token: @Sendable () async throws -> String

    init(endpoint: URL, transport: HTTPTransport, apiVersion: String?, token: @escaping @Sendable () async throws -> String) {
        self.endpoint = endpoint.absoluteString.hasSuffix("/") ? endpoint : endpoint.appendingPathComponent("")
        self.transport = transport
        self.apiVersion = apiVersion
        self.token = token
    }

    /// The absolute URL of `path` (relative to the endpoint) with `query` and the api-version.
    func url(_ path: String, query: [(String, String?)] = []) -> String {
        let parameters = query + [("api-version", apiVersion)]
        let encoded = URLEscaping.query(parameters)
        return endpoint.absoluteString + path + (encoded.isEmpty ? "" : "?" + encoded)
    }

    /// A next-page link as the server gave it, absolute or relative to the endpoint.
    func resolve(link: String) throws -> String {
        guard let url = URL(string: link, relativeTo: endpoint) else {
            throw ParleyClientError.invalidResponse(status: 200, "The next-page link '\(link)' is not a URL.")
        }
        var absolute = url.absoluteString
        if let apiVersion, !absolute.contains("api-version=") {
            absolute += (absolute.contains("?") ? "&" : "?") + "api-version=\(URLEscaping.escape(apiVersion))"
        }
        return absolute
    }

    /// Sends an authorized request, with `body` as JSON when given.
    @discardableResult
    func send(
        _ method: HTTPMethod,
        _ url: String,
        body: (some Encodable)? = String?.none,
        contentType: String = "application/json",
        headers: [(String, String)] = []
    ) async throws -> TransportResponse {
        var request = try TransportRequest.json(method, url, body: body, contentType: contentType)
        request.headers.add(name: "Authorization", value: "Bearer \(try await token())")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await transport.send(request)
    }

    /// Sends an authorized request and decodes its JSON answer.
    func json<Result: Decodable>(
        _ method: HTTPMethod,
        _ url: String,
        body: (some Encodable)? = String?.none,
        contentType: String = "application/json",
        headers: [(String, String)] = [],
        as type: Result.Type
    ) async throws -> Result {
        try await send(method, url, body: body, contentType: contentType, headers: headers).decode(Result.self)
    }
}
