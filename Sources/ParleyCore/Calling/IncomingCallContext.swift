import Crypto
import Foundation
import ParleyAPI

/// What an `IncomingCall` event's `incomingCallContext` stands for: this call ringing this app
/// user of this resource, until it expires. Call Automation's answer, reject and redirect take
/// it back and check it with ``IncomingCallContextSigner/verify(_:now:)``.
public struct IncomingCallContext: Sendable, Equatable {
    public var serverCallId: String
    /// The raw id of the app user the call rings.
    public var callee: String
    public var resourceId: UUID
    /// When the call stops ringing (the ringing timeout): the context is useless after it.
    public var expiresAt: Date

    public init(serverCallId: String, callee: String, resourceId: UUID, expiresAt: Date) {
        self.serverCallId = serverCallId
        self.callee = callee
        self.resourceId = resourceId
        self.expiresAt = expiresAt
    }
}

/// Signs and checks incoming call contexts: compact JWS (`HS256`, RFC 7515) with a key of the
/// server's, kept in the store. Only Parley reads them, so the key is symmetric. Signing is
/// deterministic (sorted JSON keys), so a context rendered again (a retried delivery, a
/// restart) is the same string.
public struct IncomingCallContextSigner: Sendable {
    /// The audience that marks a token as an incoming call context and nothing else.
    static let audience = "parley:incomingCallContext"
    private static let header = Base64URL.encode(Data(#"{"alg":"HS256","kid":"incoming-call-context","typ":"JWT"}"#.utf8))
    private let key: SymmetricKey

    /// - Parameter secret: the server's context key; the HMAC key is its SHA-256 (32 bytes, as
    ///   HS256 wants, whatever the secret's length).
    public init(secret: String) async {
        self.key = SymmetricKey(data: SHA256.hash(data: Data(secret.utf8)))
    }

    public func sign(_ context: IncomingCallContext, issuedAt: Date) async throws -> String {
        let claims = Claims(
            aud: Self.audience,
            serverCallId: context.serverCallId,
            callee: context.callee,
            resourceId: context.resourceId.uuidString.lowercased(),
            iat: Int(issuedAt.timeIntervalSince1970),
            exp: Int(context.expiresAt.timeIntervalSince1970.rounded(.up))
        )
        let input = Self.header + "." + Base64URL.encode(try ParleyJSON.encoder().encode(claims))
        return input + "." + Base64URL.encode(Data(HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: key)))
    }

    /// The context `token` stands for; a 400 for anything not signed here, or expired.
    public func verify(_ token: String, now: Date) async throws(ParleyError) -> IncomingCallContext {
        let invalid = ParleyError(
            .badRequest,
            wireCode: "InvalidIncomingCallContext",
            "The incoming call context is invalid or has expired.",
            target: "incomingCallContext"
        )
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.header, let signature = Base64URL.decode(String(parts[2])),
            HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data("\(parts[0]).\(parts[1])".utf8), using: key),
            let payload = Base64URL.decode(String(parts[1])), let claims = try? ParleyJSON.decoder().decode(Claims.self, from: payload),
            claims.aud == Self.audience, TimeInterval(claims.exp) > now.timeIntervalSince1970, let resourceId = UUID(uuidString: claims.resourceId)
        else { throw invalid }
        return IncomingCallContext(
            serverCallId: claims.serverCallId,
            callee: claims.callee,
            resourceId: resourceId,
            expiresAt: Date(timeIntervalSince1970: TimeInterval(claims.exp))
        )
    }

    private struct Claims: Codable {
        var aud: String
        var serverCallId: String
        var callee: String
        var resourceId: String
        var iat: Int
        var exp: Int
    }
}
