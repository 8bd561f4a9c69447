import Foundation
import JWTKit

/// Mints and verifies user access tokens (JWT, ES256) with the server's signing key.
///
/// The key is generated on first start and kept by the store, so tokens survive restarts.
public struct TokenAuthority: Sendable {
    private let keys: JWTKeyCollection
    private let keyId: JWKIdentifier

    /// - Parameter signingKeyPEM: a P-256 private key in PEM form.
    public init(signingKeyPEM: String) async throws {
        let key = try ES256PrivateKey(pem: signingKeyPEM)
        let keyId = JWKIdentifier(string: "parley-\(Self.fingerprint(of: key.publicKey))")
        self.keys = await JWTKeyCollection().add(ecdsa: key, kid: keyId)
        self.keyId = keyId
    }

    /// A new random P-256 signing key, PEM encoded.
    public static func generateSigningKeyPEM() -> String {
        ES256PrivateKey().pemRepresentation
    }

    /// Mints a token for `user` with `scopes`, valid from `now` for `lifetime` seconds.
    func mint(for user: AcsUser, scopes: Set<TokenScope>, now: Date, lifetime: TimeInterval) async throws -> IssuedAccessToken {
        let issuedAt = Int(now.timeIntervalSince1970)
        let expiresAt = issuedAt + Int(lifetime)
        let claims = UserAccessTokenClaims(
            skypeid: String(user.rawId.dropFirst(2)),
            scp: scopes.reduce(0) { $0 | $1.bit },
            csi: String(issuedAt),
            iat: issuedAt,
            exp: expiresAt,
            acsScope: scopes.sorted().map(\.rawValue).joined(separator: ","),
            resourceId: user.resourceId.uuidString.lowercased(),
            gen: user.tokenGeneration
        )
        let token = try await keys.sign(claims, kid: keyId)
        guard Self.isPythonSDKParseable(token) else {
            throw ParleyError(.internal, "Minted a token whose payload the ACS SDKs cannot parse.")
        }
        return IssuedAccessToken(token: token, expiresOn: Date(timeIntervalSince1970: TimeInterval(expiresAt)))
    }

    /// Verifies the signature and decodes the claims; anything else is a 401.
    func verifiedClaims(of token: String) async throws(ParleyError) -> UserAccessTokenClaims {
        do {
            return try await keys.verify(token, as: UserAccessTokenClaims.self)
        } catch {
            throw ParleyError(.unauthenticated, wireCode: "InvalidAccessToken", "Provided access token is not valid.")
        }
    }

    /// Whether the Python SDK's `create_access_token` can read this token's payload: three
    /// segments, and a payload segment with no `-` or `_` (which its decoder silently drops).
    static func isPythonSDKParseable(_ token: String) -> Bool {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3 else { return false }
        return !segments[1].contains(where: { $0 == "-" || $0 == "_" })
    }

    private static func fingerprint(of key: ES256PublicKey) -> String {
        let pem = key.pemRepresentation
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, only to name the key
        for byte in pem.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

/// A freshly minted token and when it expires.
public struct IssuedAccessToken: Sendable, Equatable {
    public var token: String
    public var expiresOn: Date
}
