import Foundation
import HTTPTypes
import Hummingbird
import ParleyCore

/// Authenticates a request signed with a resource access key and puts the resource in the
/// context. The body is collected here (it is part of the signature) and stays on the request.
struct HMACAuthenticationMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let authenticator: HMACAuthenticator
    let resources: ResourceService
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let body = try await WireIO.body(of: &request, limit: maxBodyBytes)
        let headers = request.headers
        let signed = HMACAuthenticator.SignedRequest(
            method: request.method.rawValue,
            target: request.head.path ?? "/",
            authority: request.head.authority ?? "",
            header: { name in HTTPField.Name(name).flatMap { headers[$0] } },
            body: body
        )
        var context = context
        context.resource = try authenticator.authenticate(signed, against: try await resources.list())
        return try await next(request, context)
    }
}
