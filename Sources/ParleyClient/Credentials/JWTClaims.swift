import Foundation

/// The few claims the SDK reads from a JWT it holds. The signature is the server's business;
/// the client only needs to know when to refresh and whom the token names.
struct JWTClaims: Sendable {
    var expiresOn: Date
    /// Entra object id (organization tokens).
    var objectId: String?
    /// Entra tenant id (organization tokens).
    var tenantId: String?

    init(_ jwt: String) throws(TokenCredentialError) {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Self.base64URLDecode(parts[1]),
            let object = try? JSONSerialization.jsonObject(with: payload) as? [String: Any]
        else { throw TokenCredentialError(.malformedToken, "The token is not a JWT with a JSON payload.") }
        guard let exp = (object["exp"] as? NSNumber)?.doubleValue else {
            throw TokenCredentialError(.malformedToken, "The token has no numeric 'exp' claim.")
        }
        self.expiresOn = Date(timeIntervalSince1970: exp)
        self.objectId = object["oid"] as? String
        self.tenantId = object["tid"] as? String
    }

    private static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
