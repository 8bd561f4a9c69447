import Foundation
import ParleyCore

/// Verifies HMAC-signed requests and says which of the candidate resources signed them: at the
/// shared endpoint requests name no resource, the key that verifies the signature does.
struct HMACAuthenticator: Sendable {
    /// The parts of a request the signature covers, as received.
    struct SignedRequest {
        var method: String
        /// The raw request target (`/path?query`) exactly as it arrived.
        var target: String
        /// The `Host` header (HTTP/1) or `:authority`.
        var authority: String
        /// The path of the endpoint the request came to, when it is not the root
        /// (`/resources/<name>`): the SDKs sign it as part of the host.
        var endpointPath: String? = nil
        var header: @Sendable (String) -> String?
        var body: Data
    }

    let clock: any WallClock
    let clockSkew: TimeInterval
    /// Extra hosts clients may have signed with (a configured public endpoint).
    let publicHosts: [String]

    func authenticate(_ request: SignedRequest, against resources: [CommunicationResource]) throws(ParleyError) -> CommunicationResource {
        guard let authorization = request.header("authorization") else {
            throw Self.denied(
                "The request has no Authorization header; sign it with the resource's access key (HMAC-SHA256) "
                    + "or send a Microsoft Entra ID token (Bearer)."
            )
        }
        let (signedHeaders, signature) = try Self.parse(authorization)
        let dateValue = request.header("x-ms-date") ?? request.header("date")
        guard let dateValue, let date = Self.parseHTTPDate(dateValue) else {
            throw Self.denied("The request has no valid x-ms-date header.")
        }
        guard abs(date.timeIntervalSince(clock.now())) <= clockSkew else {
            throw Self.denied("The x-ms-date header is more than \(Int(clockSkew)) seconds away from the server's clock.")
        }
        let bodyHash = HMACSignature.contentHash(request.body)
        guard let claimedHash = request.header("x-ms-content-sha256"), claimedHash == bodyHash else {
            throw Self.denied("The x-ms-content-sha256 header does not match the request body.")
        }

        for host in hostVariants(request.authority, endpointPath: request.endpointPath) {
            let values = signedHeaders.map { name -> String in
                name == "host" ? host : (request.header(name) ?? "")
            }
            for target in Self.targetVariants(request.target) {
                let stringToSign = HMACSignature.stringToSign(method: request.method, pathAndQuery: target, signedHeaderValues: values)
                for resource in resources {
                    for key in resource.keyBytes where HMACSignature.matches(HMACSignature.signature(key: key, stringToSign: stringToSign), signature)
                    {
                        return resource
                    }
                }
            }
        }
        throw Self.denied("The request signature does not match any access key.")
    }

    /// Parses `HMAC-SHA256 SignedHeaders=a;b;c&Signature=sig`.
    private static func parse(_ authorization: String) throws(ParleyError) -> (headers: [String], signature: String) {
        let scheme = "HMAC-SHA256 "
        guard authorization.hasPrefix(scheme) else {
            throw denied("The Authorization header is neither an HMAC-SHA256 signature nor a Bearer token.")
        }
        var headers: [String]?
        var signature: String?
        for part in authorization.dropFirst(scheme.count).split(separator: "&") {
            guard let equals = part.firstIndex(of: "=") else { continue }
            let name = part[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = String(part[part.index(after: equals)...])
            if name == "signedheaders" { headers = value.split(separator: ";").map { $0.lowercased() } }
            if name == "signature" { signature = value }
        }
        guard let headers, !headers.isEmpty, let signature, !signature.isEmpty else {
            throw denied("The Authorization header lacks SignedHeaders or Signature.")
        }
        guard headers.contains("host"), headers.contains("x-ms-content-sha256"), headers.contains("x-ms-date") || headers.contains("date") else {
            throw denied("SignedHeaders must include x-ms-date, host and x-ms-content-sha256.")
        }
        return (headers, signature)
    }

    /// Hosts the client may have signed: the Host header, with the default port added or
    /// removed, and any configured public host; each as is and with a trailing slash (the SDK
    /// quirk of an explicit endpoint ending in `/`). The SDKs sign the endpoint without its
    /// scheme as the host, so at a resource's own endpoint also each followed by its path.
    func hostVariants(_ authority: String, endpointPath: String? = nil) -> [String] {
        var hosts = [authority]
        if authority.hasSuffix(":443") {
            hosts.append(String(authority.dropLast(4)))
        } else if !authority.contains(":") || authority.hasSuffix("]") {
            hosts.append(authority + ":443")
        }
        hosts += publicHosts
        let suffixes = ["", "/"] + (endpointPath.map { [$0, $0 + "/"] } ?? [])
        return hosts.flatMap { host in suffixes.map { host + $0 } }
    }

    /// The raw target first; the percent-decoded one as a fallback (reference §1.2).
    private static func targetVariants(_ target: String) -> [String] {
        let decoded = PercentEncoding.decode(target)
        guard decoded != target else { return [target] }
        return [target, decoded]
    }

    /// Parses an RFC 1123 date (`Sun, 29 Nov 2026 00:58:39 GMT`).
    static func parseHTTPDate(_ value: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: value)
    }

    private static func denied(_ message: String) -> ParleyError {
        ParleyError(.unauthenticated, wireCode: "Denied", "Denied by the resource provider: \(message)")
    }
}
