import Crypto
import CryptoExtras
import Foundation

/// Password hashes for org users' sign-in: PBKDF2-HMAC-SHA256 with a random salt, stored as
/// `pbkdf2-sha256$<rounds>$<salt>$<hash>` (base64).
public enum PasswordHasher {
    /// OWASP's current minimum for PBKDF2-HMAC-SHA256 is 600,000; swift-crypto refuses fewer
    /// than 210,000. About a tenth of a second here, paid once per sign-in.
    static let rounds = 600_000
    public static let minimumLength = 8

    public static func hash(_ password: String) throws -> String {
        let salt = SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }
        let key = try derive(password, salt: salt, rounds: rounds)
        return "pbkdf2-sha256$\(rounds)$\(salt.base64EncodedString())$\(key.base64EncodedString())"
    }

    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$")
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]),
            let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])),
            let actual = try? derive(password, salt: salt, rounds: rounds)
        else { return false }
        return SHA256.hash(data: actual) == SHA256.hash(data: expected)  // digests compare in constant time
    }

    static func validate(_ password: String) throws(ParleyError) {
        guard password.count >= minimumLength, password.count <= 256 else {
            throw ParleyError(.validation, "A password needs \(minimumLength) to 256 characters.", target: "password")
        }
    }

    private static func derive(_ password: String, salt: Data, rounds: Int) throws -> Data {
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Data(password.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: rounds)
        return key.withUnsafeBytes { Data($0) }
    }
}
