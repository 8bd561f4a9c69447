import Foundation

/// Unpadded base64url (RFC 4648 §5): for opaque tokens in URLs (continuations, membership ids,
/// MSAL's `client_info`) and the segments of compact JWS.
public enum Base64URL {
    public static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func encode(_ text: String) -> String { encode(Data(text.utf8)) }

    /// The decoded bytes, or nil when `text` is not base64url.
    public static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    /// The decoded text, or nil when `text` is not base64url of UTF-8.
    public static func decodeText(_ text: String) -> String? {
        decode(text).flatMap { String(data: $0, encoding: .utf8) }
    }
}
