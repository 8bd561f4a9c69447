import Crypto
import Foundation

/// The ACS HMAC-SHA256 request signature (hmac-header-tutorial; the SDKs' `HMACCredentialsPolicy`).
///
/// String to sign: `VERB\n<path?query>\n<x-ms-date>;<host>;<x-ms-content-sha256>`, signed with
/// the base64-decoded access key.
enum HMACSignature {
    static func stringToSign(method: String, pathAndQuery: String, signedHeaderValues: [String]) -> String {
        "\(method.uppercased())\n\(pathAndQuery)\n\(signedHeaderValues.joined(separator: ";"))"
    }

    /// `base64(HMAC_SHA256(key, UTF8(stringToSign)))`
    static func signature(key: Data, stringToSign: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: SymmetricKey(data: key))
        return Data(code).base64EncodedString()
    }

    /// `base64(SHA256(body))`, the `x-ms-content-sha256` value.
    static func contentHash(_ body: some DataProtocol) -> String {
        Data(SHA256.hash(data: Data(body))).base64EncodedString()
    }

    /// Compares two base64 signatures without leaking where they differ.
    static func matches(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8)
        let right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
