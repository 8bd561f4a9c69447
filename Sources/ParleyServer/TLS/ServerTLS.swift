import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// The TLS setup of a start: the installation's CA (kept) and a fresh server certificate for the
/// names clients use, written next to it.
struct ServerTLS {
    let configuration: TLSConfiguration
    let caCertificatePath: String

    /// The names every server certificate covers, plus the configured host.
    static func hosts(for configuredHost: String) -> [String] {
        var hosts = ["localhost", "127.0.0.1", "::1"]
        if !configuredHost.isEmpty, configuredHost != "0.0.0.0", configuredHost != "::", !hosts.contains(configuredHost) {
            hosts.append(configuredHost)
        }
        return hosts
    }

    static func prepare(in directory: DataDirectory, host: String, now: Date = Date()) throws -> ServerTLS {
        let authority = try LocalCertificateAuthority.loadOrCreate(in: directory, now: now)
        let (certificate, key) = try authority.issueServerCertificate(for: hosts(for: host), now: now)
        let certificatePEM = try certificate.serializeAsPEM().pemString
        let caPEM = try authority.certificate.serializeAsPEM().pemString
        try DataDirectory.write(Data(key.pemRepresentation.utf8), to: directory.serverKeyPath, secret: true)
        try DataDirectory.write(Data(certificatePEM.utf8), to: directory.serverCertificatePath, secret: false)

        let chain = try [certificatePEM, caPEM].map { try NIOSSLCertificate(bytes: Array($0.utf8), format: .pem) }
        let privateKey = try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(privateKey)
        )
        configuration.minimumTLSVersion = .tlsv12
        return ServerTLS(configuration: configuration, caCertificatePath: directory.certificateAuthorityPath)
    }
}
