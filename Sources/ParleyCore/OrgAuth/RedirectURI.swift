import Foundation

/// The redirect URIs an app registration lists, and how a requested one is matched against
/// them: exactly, except that the port of a loopback URI is ignored (RFC 8252 §7.3; Entra ID
/// does the same for `localhost`), so a web app on `https://127.0.0.1:<any port>/` needs one entry.
public enum RedirectURI {
    /// At most this many per app registration (Entra's limit).
    public static let maxCount = 256
    /// At most this long (Entra's limit).
    public static let maxLength = 256

    /// Checks one URI an operator registers: absolute, `https` (or `http` for a loopback host),
    /// no fragment, no user info. Throws a validation error naming it otherwise.
    public static func validate(_ text: String) throws(ParleyError) {
        let invalid = { (why: String) in
            ParleyError(.validation, "Redirect URI '\(text)' is invalid: \(why).", target: "redirectUris")
        }
        guard text.count <= maxLength else { throw invalid("longer than \(maxLength) characters") }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else { throw invalid("not an absolute URI") }
        guard components.fragment == nil else { throw invalid("a redirect URI has no fragment") }
        guard components.user == nil, components.password == nil else { throw invalid("a redirect URI carries no user name or password") }
        guard scheme == "https" || (scheme == "http" && isLoopback(host)) else {
            throw invalid("use https (http only for localhost, 127.0.0.1 or [::1])")
        }
    }

    /// Checks a whole list: each URI, no more than ``maxCount``; returns it without duplicates.
    public static func validate(list: [String]) throws(ParleyError) -> [String] {
        guard list.count <= maxCount else {
            throw ParleyError(.validation, "An app registration has at most \(maxCount) redirect URIs.", target: "redirectUris")
        }
        var seen = Set<String>()
        var unique: [String] = []
        for uri in list {
            try validate(uri)
            if seen.insert(uri).inserted { unique.append(uri) }
        }
        return unique
    }

    /// Whether `requested` is one of `registered`.
    public static func matches(_ requested: String, anyOf registered: [String]) -> Bool {
        registered.contains { matches(requested, registered: $0) }
    }

    static func matches(_ requested: String, registered: String) -> Bool {
        if requested == registered { return true }
        guard var asked = URLComponents(string: requested), var listed = URLComponents(string: registered),
            let host = listed.host, isLoopback(host), asked.host == host, asked.fragment == nil
        else { return false }
        asked.port = nil
        listed.port = nil
        return asked.string == listed.string
    }

    static func isLoopback(_ host: String) -> Bool {
        ["localhost", "127.0.0.1", "[::1]", "::1"].contains(host.lowercased())
    }

    /// `scheme://host[:port]` of a URI, for a Content-Security-Policy `form-action` source.
    public static func origin(of uri: String) -> String? {
        guard let components = URLComponents(string: uri), let scheme = components.scheme, let host = components.host else { return nil }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }
}
