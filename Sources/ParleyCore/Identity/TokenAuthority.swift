import Foundation
import JWTKit
import Synchronization

/// Mints and verifies user access tokens (JWT, ES256) with the server's signing key.
///
/// The key is generated on first start and kept by the store, so tokens survive restarts.
public struct TokenAuthority: Sendable {
    private let keys: JWTKeyCollection
    private let keyId: JWKIdentifier
    /// Tokens whose signature has been verified, with their claims: a client sends the same
    /// token on every request, and an ECDSA verification costs far more than the lookup.
    /// Expiry and revocation are still checked on every use.
    private let verified = VerifiedTokenCache(capacity: 50_000)

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
        if let claims = verified[token] { return claims }
        do {
            let claims = try await keys.verify(token, as: UserAccessTokenClaims.self)
            verified[token] = claims
            return claims
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

/// A bounded map from token text to verified claims. When full it starts over: simple, and a
/// re-verification is only a cost, never a wrong answer.
private final class VerifiedTokenCache: Sendable {
    private let capacity: Int
    private let entries = Mutex<[String: UserAccessTokenClaims]>([:])

    init(capacity: Int) { self.capacity = capacity }

    subscript(token: String) -> UserAccessTokenClaims? {
        get { entries.withLock { $0[token] } }
        set {
            entries.withLock { entries in
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
                entries[token] = newValue
            }
        }
    }
}
