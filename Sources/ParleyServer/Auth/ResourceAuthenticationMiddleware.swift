import Foundation
import HTTPTypes
import Hummingbird
import ParleyCore

/// Authenticates a request to a resource API (Identity, Network Traversal, Call Automation) and
/// puts the ``ResourceCaller`` in the context: a request signed with a resource's access key
/// (HMAC), or one with a Microsoft Entra ID bearer token of an app that holds a role on the
/// resource. Routes see only the caller.
///
/// Under `/resources/{resourceName}/` (the resource's own endpoint) the request acts on that
/// resource: only its keys verify a signature, and a token's app needs a role there. At the
/// shared endpoint the key identifies the resource; a token, the one resource its app holds a
/// role on. The body is collected here (it is part of an HMAC signature) and stays on the request.
struct ResourceAuthenticationMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    /// The route parameter of the resource-specific endpoint.
    static let resourceParameter = "resourceName"

    let hmac: HMACAuthenticator
    let access: ResourceAccess
    let resources: ResourceService
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        var context = context
        let resourceName = context.parameters.get(Self.resourceParameter).map(PercentEncoding.decode)
        if let token = Self.bearerToken(request.headers[.authorization]) {
            context.resourceCaller = try await access.caller(bearerToken: token, resourceName: resourceName)
        } else {
            let body = try await WireIO.body(of: &request, limit: maxBodyBytes)
            let headers = request.headers
            let target = request.head.path ?? "/"
            let signed = HMACAuthenticator.SignedRequest(
                method: request.method.rawValue,
                target: target,
                authority: request.head.authority ?? "",
                endpointPath: resourceName == nil ? nil : Self.endpointPath(of: target),
                header: { name in HTTPField.Name(name).flatMap { headers[$0] } },
                body: body
            )
            let candidates: [CommunicationResource]
            if let resourceName {
                candidates = try await resources.find(named: resourceName).map { [$0] } ?? []
            } else {
                candidates = try await resources.list()
            }
            let resource = try hmac.authenticate(signed, against: candidates)
            context.resourceCaller = ResourceCaller(resource: resource, credential: .accessKey)
        }
        return try await next(request, context)
    }

    /// `/resources/<name>` as the request target spells it (`/resources/<name>/identities?…`).
    static func endpointPath(of target: String) -> String? {
        let parts = target.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].isEmpty, parts[1] == "resources" else { return nil }
        return "/resources/" + parts[2].prefix { $0 != "/" && $0 != "?" }
    }

    /// The token of `Authorization: Bearer <token>` (the scheme in any case), or nil.
    static func bearerToken(_ authorization: String?) -> String? {
        guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else { return nil }
        let token = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
