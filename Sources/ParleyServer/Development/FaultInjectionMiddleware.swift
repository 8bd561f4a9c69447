import Foundation
import Hummingbird
import NIOCore
import ParleyAPI
import ParleyCore

/// Puts the fault rules (development mode) in front of one API's routes, after its
/// authentication: a fault strikes a request the service would have served, and answers it the
/// way the service answers (the ACS error envelope, `Retry-After`), delays it, or closes the
/// connection without an answer.
struct FaultInjectionMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let api: FaultAPI
    let faults: FaultInjector
    /// The name of a resource by immutable id, so rules may name resources either way.
    let resourceName: @Sendable (UUID) async -> String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard faults.hasRules(for: api) else { return try await next(request, context) }
        switch faults.fault(for: await describe(request, context)) {
        case .respond(let status, let code, let message, let retryAfter):
            return Self.response(status: status, code: code, message: message, retryAfterSeconds: retryAfter)
        case .delay(let milliseconds):
            try await Task.sleep(for: .milliseconds(milliseconds))
            return try await next(request, context)
        case .close:
            // No answer: the client sees the connection close, as when the service's front end drops it.
            try? await context.channel.close()
            return Response(status: .serviceUnavailable)
        case .endCall, .noAnswer, .decline, nil:
            return try await next(request, context)
        }
    }

    /// What the rules can match of the request.
    private func describe(_ request: Request, _ context: Context) async -> FaultRequest {
        var path = request.uri.path
        var resources: [String] = []
        // A resource's own endpoint: the rest of the path is the API's.
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        if segments.count >= 2, segments[0] == "resources" {
            path = "/" + segments.dropFirst(2).joined(separator: "/")
        }
        var identity: String?
        if let caller = context.resourceCaller {
            resources = [caller.resource.name, caller.resource.immutableIdString]
        }
        if let user = context.user {
            identity = user.user.rawId
            let id = user.user.resourceId
            resources = [id.uuidString.lowercased()] + [await resourceName(id)].compactMap { $0 }
        }
        if let principal = context.orgPrincipal, case .user(let person) = principal.kind {
            identity = person.rawId
        }
        return FaultRequest(
            api: api,
            method: request.method.rawValue,
            path: path,
            resources: resources,
            identity: identity,
            thread: Self.thread(in: segments)
        )
    }

    /// The chat thread a path names: `/chat/threads/{id}/…` (ACS) or `…/chats/{id}/…` (Graph).
    static func thread<S: StringProtocol>(in segments: [S]) -> String? {
        guard let index = segments.firstIndex(where: { $0 == "threads" || $0 == "chats" }), index + 1 < segments.count else { return nil }
        return PercentEncoding.decode(String(segments[index + 1]))
    }

    /// The service's error answer: the ACS envelope, with `Retry-After` when given.
    static func response(status: Int, code: String, message: String, retryAfterSeconds: Int?) -> Response {
        let body = CommunicationErrorResponse(error: .init(code: code, message: message))
        var response = (try? WireIO.json(body, status: HTTPResponse.Status(code: status))) ?? WireIO.empty(HTTPResponse.Status(code: status))
        if let retryAfterSeconds { response.headers[.retryAfter] = String(retryAfterSeconds) }
        return response
    }
}

extension RouterGroup {
    /// Adds each of `middlewares`, in order (none: the group stays as it is).
    @discardableResult
    func add(middlewares: [any MiddlewareProtocol<Request, Response, Context>]) -> RouterGroup<Context> {
        for middleware in middlewares { add(middleware: middleware) }
        return self
    }
}
