import Crypto
import Foundation
import SwiftASN1
import X509

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A certificate authority of this installation: created on first start, kept in the data
/// directory, and used to sign the server certificate. Clients trust its `ca.pem`.
struct LocalCertificateAuthority {
    let certificate: Certificate
    let key: P256.Signing.PrivateKey

    /// Loads the CA from `directory`, or creates and saves a new one.
    static func loadOrCreate(in directory: DataDirectory, now: Date) throws -> LocalCertificateAuthority {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: directory.certificateAuthorityPath), fileManager.fileExists(atPath: directory.certificateAuthorityKeyPath) {
            let certificate = try Certificate(pemEncoded: String(contentsOfFile: directory.certificateAuthorityPath, encoding: .utf8))
            let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: directory.certificateAuthorityKeyPath, encoding: .utf8))
            if certificate.notValidAfter > now.addingTimeInterval(86_400) {
                return LocalCertificateAuthority(certificate: certificate, key: key)
            }
        }
        let authority = try create(now: now)
        try DataDirectory.write(Data(authority.key.pemRepresentation.utf8), to: directory.certificateAuthorityKeyPath, secret: true)
        try DataDirectory.write(
            Data(try authority.certificate.serializeAsPEM().pemString.utf8),
            to: directory.certificateAuthorityPath,
            secret: false
        )
        return authority
    }

    static func create(now: Date) throws -> LocalCertificateAuthority {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("Parley")
            CommonName("Parley Local CA \(String(UInt32.random(in: .min ... .max), radix: 16))")
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(10 * 365 * 86_400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
            },
            issuerPrivateKey: .init(key)
        )
        return LocalCertificateAuthority(certificate: certificate, key: key)
    }

    /// Issues a server certificate for `hosts` (DNS names and IP addresses), valid for a year.
    func issueServerCertificate(for hosts: [String], now: Date) throws -> (certificate: Certificate, key: P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        let names = hosts.map { host -> GeneralName in
            if let address = IPAddressBytes(host) { return .ipAddress(ASN1OctetString(contentBytes: address.bytes[...])) }
            return .dnsName(host)
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(365 * 86_400),
            issuer: self.certificate.subject,
            subject: try DistinguishedName { CommonName(hosts.first ?? "localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
                AuthorityKeyIdentifier(keyIdentifier: try self.certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
            },
            issuerPrivateKey: .init(self.key)
        )
        return (certificate, key)
    }
}

/// The bytes of an IPv4 or IPv6 address literal.
private struct IPAddressBytes {
    let bytes: [UInt8]

    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }
}
