import Foundation
import Hummingbird
import Logging
import ParleyAPI
import ParleyCore

/// Renders every failure as the ACS error envelope with the right status, so clients (and the
/// SDKs' exception mapping) see one shape. A client's mistake is never a 500.
struct ErrorEnvelopeMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ParleyError {
            if error.code == .internal {
                context.logger.error("internal error", metadata: ["error.message": "\(error.message)"])
            }
            return Self.response(for: error)
        } catch let error as OAuthError {
            // The sign-in endpoints answer as OAuth 2.0 does (RFC 6749 §5.2).
            let body = OAuthErrorResponse(error: error.error, errorDescription: error.description)
            return (try? WireIO.json(body, status: error.status == 401 ? .unauthorized : .badRequest)) ?? WireIO.empty(.badRequest)
        } catch let error as any HTTPResponseError {
            let status = error.status
            let code = status == .notFound ? "NotFound" : status.reasonPhrase.replacingOccurrences(of: " ", with: "")
            let message = status == .notFound ? "No such route: \(request.method) \(request.uri.path)" : status.reasonPhrase
            return Self.response(status: status, body: .init(error: .init(code: code, message: message)), headers: [:])
        } catch {
            context.logger.error("unhandled error", metadata: ["error.type": "\(type(of: error))", "error.message": "\(error)"])
            return Self.response(
                status: .internalServerError,
                body: .init(error: .init(code: "InternalError", message: "The server failed to process the request.")),
                headers: [:]
            )
        }
    }

    static func response(for error: ParleyError) -> Response {
        var headers = HTTPFields()
        if let retryAfter = error.retryAfterSeconds { headers[.retryAfter] = String(retryAfter) }
        return response(status: status(for: error.code), body: envelope(for: error), headers: headers)
    }

    /// The ACS error envelope of `error`.
    static func envelope(for error: ParleyError) -> CommunicationErrorResponse {
        .init(error: .init(code: error.wireCode, message: error.message, target: error.target))
    }

    static func status(for code: ParleyError.Code) -> HTTPResponse.Status {
        HTTPResponse.Status(code: code.status)
    }

    private static func response(status: HTTPResponse.Status, body: CommunicationErrorResponse, headers: HTTPFields) -> Response {
        var response = (try? WireIO.json(body, status: status)) ?? WireIO.empty(status)
        response.headers.append(contentsOf: headers)
        return response
    }
}
