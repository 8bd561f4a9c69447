import Foundation
import HTTPTypes
import Hummingbird

/// The headers every page and asset a browser loads from Parley carries: a strict
/// Content-Security-Policy (no inline script or style, network access only to this origin and its
/// real-time WebSocket, no framing), no MIME sniffing, no referrer, and HSTS when Parley has a
/// public HTTPS address (never for the loopback default, where it would pin a developer's
/// `localhost` to HTTPS for a year).
struct BrowserSecurityHeaders: Sendable {
    /// `https://parley.example.com` when `http.publicEndpoint` is set: the origin CSP names, and
    /// HSTS is sent. Nil: the request's own authority is used.
    let publicOrigin: String?
    let scheme: String

    init(publicEndpoint: String?, scheme: String) {
        self.scheme = scheme
        self.publicOrigin = publicEndpoint.flatMap { URL(string: $0) }.flatMap { url in
            url.scheme.flatMap { scheme in url.host.map { host in "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "") } }
        }
    }

    /// Whether browsers reach Parley over HTTPS (directly, or through a proxy with a public
    /// `https` address): cookies are then `Secure` and carry the `__Host-` prefix.
    var secureCookies: Bool { scheme == "https" || publicOrigin?.hasPrefix("https://") == true }

    /// The name of a browser cookie: `__Host-<name>` over HTTPS (a sibling host cannot set or
    /// shadow it), `<name>` over plain HTTP.
    func cookieName(_ name: String) -> String { secureCookies ? "__Host-" + name : name }

    /// A cookie of this origin only: `HttpOnly`, `SameSite=Strict`, path `/`, `Secure` over HTTPS.
    func cookie(_ name: String, value: String, maxAge: Int) -> Cookie {
        Cookie(name: cookieName(name), value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict)
    }

    /// The origin a browser sees this request at.
    func origin(of request: Request) -> String {
        publicOrigin ?? "\(scheme)://\(request.head.authority ?? "localhost")"
    }

    /// Headers for a page or asset of the origin. `formAction` adds origins a form may post to
    /// (or be redirected to after posting: Chromium checks redirects against `form-action`).
    func headers(for request: Request, formAction: [String] = []) -> HTTPFields {
        let origin = origin(of: request)
        let socket = origin.replacingOccurrences(of: "https://", with: "wss://").replacingOccurrences(of: "http://", with: "ws://")
        let policy = [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' blob: data:",
            "media-src 'self' blob:",
            "font-src 'self'",
            "connect-src 'self' \(socket)",
            "manifest-src 'self'",
            "form-action 'self'" + formAction.map { " " + $0 }.joined(),
            "base-uri 'none'",
            "object-src 'none'",
            "frame-ancestors 'none'",
        ].joined(separator: "; ")
        var fields = HTTPFields()
        fields[.contentSecurityPolicy] = policy
        fields[.xContentTypeOptions] = "nosniff"
        fields[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        fields[HTTPField.Name("X-Frame-Options")!] = "DENY"
        fields[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        fields[HTTPField.Name("Cross-Origin-Resource-Policy")!] = "same-origin"
        fields[HTTPField.Name("Permissions-Policy")!] = "camera=(self), microphone=(self), display-capture=(), geolocation=(), payment=(), usb=()"
        if publicOrigin?.hasPrefix("https://") == true {
            fields[.strictTransportSecurity] = "max-age=31536000"
        }
        return fields
    }
}
