import Crypto
import Foundation

/// Fresh random secrets (access keys, admin keys), base64 encoded.
public enum SecretGenerator {
    /// `byteCount` bytes from the system's cryptographic random source, base64 encoded.
    public static func base64Secret(byteCount: Int = 64) -> String {
        let key = SymmetricKey(size: .init(bitCount: byteCount * 8))
        return key.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// Compares two secrets in time independent of where they differ.
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = SHA256.hash(data: Data(lhs.utf8))
        let right = SHA256.hash(data: Data(rhs.utf8))
        return left == right  // digests compare in constant time
    }
}
