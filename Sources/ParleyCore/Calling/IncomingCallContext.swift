import Foundation
import JWTKit

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

/// Signs and checks incoming call contexts: compact JWS (HS256) with a key of the server's,
/// kept in the store. Only Parley reads them, so the key is symmetric; signing is
/// deterministic, so a context rendered again (a retried delivery) is the same string.
public struct IncomingCallContextSigner: Sendable {
    /// The audience that marks a token as an incoming call context and nothing else.
    static let audience = "parley:incomingCallContext"
    private let keys: JWTKeyCollection

    /// - Parameter secret: the server's context key (any length; 32 random bytes recommended).
    public init(secret: String) async {
        self.keys = await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: "incoming-call-context")
    }

    public func sign(_ context: IncomingCallContext, issuedAt: Date) async throws -> String {
        let claims = IncomingCallContextClaims(
            aud: Self.audience,
            serverCallId: context.serverCallId,
            callee: context.callee,
            resourceId: context.resourceId.uuidString.lowercased(),
            iat: Int(issuedAt.timeIntervalSince1970),
            exp: Int(context.expiresAt.timeIntervalSince1970.rounded(.up))
        )
        return try await keys.sign(claims, kid: "incoming-call-context")
    }

    /// The context `token` stands for; a 400 for anything not signed here, or expired.
    public func verify(_ token: String, now: Date) async throws(ParleyError) -> IncomingCallContext {
        let invalid = ParleyError(.badRequest, wireCode: "InvalidIncomingCallContext", "The incoming call context is invalid or has expired.", target: "incomingCallContext")
        guard let claims = try? await keys.verify(token, as: IncomingCallContextClaims.self), claims.aud == Self.audience,
            TimeInterval(claims.exp) > now.timeIntervalSince1970, let resourceId = UUID(uuidString: claims.resourceId)
        else { throw invalid }
        return IncomingCallContext(
            serverCallId: claims.serverCallId,
            callee: claims.callee,
            resourceId: resourceId,
            expiresAt: Date(timeIntervalSince1970: TimeInterval(claims.exp))
        )
    }
}

struct IncomingCallContextClaims: JWTPayload, Equatable {
    var aud: String
    var serverCallId: String
    var callee: String
    var resourceId: String
    var iat: Int
    var exp: Int

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
