import Foundation

@testable import ParleyServer

/// Signs requests the way the Azure SDKs' `HMACCredentialsPolicy` does.
enum TestSigner {
    static func headers(method: String, target: String, host: String, body: Data, key: String, date: Date) -> [String: String] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let dateValue = formatter.string(from: date)
        let contentHash = HMACSignature.contentHash(body)
        let stringToSign = HMACSignature.stringToSign(method: method, pathAndQuery: target, signedHeaderValues: [dateValue, host, contentHash])
        let signature = HMACSignature.signature(key: Data(base64Encoded: key)!, stringToSign: stringToSign)
        return [
            "x-ms-date": dateValue,
            "x-ms-content-sha256": contentHash,
            "authorization": "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=\(signature)",
        ]
    }
}
