import Foundation

/// Unsigned JWTs for credential tests: the SDK reads claims and never checks signatures.
enum TestJWT {
    static func make(expiresOn: Date, claims: [String: String] = [:]) -> String {
        var payload: [String: Any] = claims
        payload["exp"] = Int(expiresOn.timeIntervalSince1970)
        let data = try! JSONSerialization.data(withJSONObject: payload)
        return "eyJhbGciOiJub25lIn0.\(base64URL(data)).c2lnbmF0dXJl"
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
