import Foundation
import ParleyAPI

/// What a newcomer reads once Parley listens: how to connect the Azure SDKs, and what's next.
enum Banner {
    static func text(for info: ServerReadyInfo, plaintext: Bool, readyFile: String?) -> String {
        var lines = [
            "",
            "Parley is listening on \(info.url)",
            "",
        ]
        if let webApp = info.webApp {
            lines += ["Web app (docs/webapp.md): open \(webApp.url) in a browser"]
            if webApp.visitorResources.isEmpty {
                lines += ["  visitors cannot join yet: 'swift run parley resources web-app enable default' lets them"]
            } else {
                lines += ["  visitors join by name (resource \(webApp.visitorResources.joined(separator: ", ")))"]
            }
            if let demo = info.demoOrganization {
                lines += [
                    "  Teams users sign in as <name>@\(demo.domain), e.g. \(demo.users.first?.userPrincipalName ?? "adele@" + demo.domain), password \(demo.password)"
                ]
            }
            lines.append("")
        }
        lines += [
            "Connection string of the '\(info.resource.id)' resource (immutable id \(info.resource.immutableResourceId)):",
            "  \(info.connectionString)",
        ]
        if let resourceEndpoint = info.resource.resourceEndpoint {
            lines += [
                "With a Microsoft Entra ID token credential instead (README, 'Token credentials'): authority \(info.url),",
                "  endpoint \(resourceEndpoint), after 'parley resources grant'",
            ]
        }
        lines += [
            "",
            "Real-time events and calls (docs/realtime.md): \(Self.realtimeURL(info.url))?access_token=<user token>",
            "",
        ]
        if let relay = info.relay {
            lines += [
                "TURN relay (docs/relay.md): run coturn with use-auth-secret, static-auth-secret=\(relay.sharedSecret), realm=\(relay.realm)",
                "  clients are handed \((relay.stunURLs + relay.turnURLs).joined(separator: " "))",
                "",
            ]
        }
        if let ca = info.caCertificatePath {
            lines += [
                "TLS uses a local CA. Let the Azure SDKs trust it (sync clients read the first, async the second):",
                "  export REQUESTS_CA_BUNDLE=\(ca)",
                "  export SSL_CERT_FILE=\(ca)",
                "",
            ]
        } else if plaintext {
            lines += ["Serving plain HTTP (--plain-http): put a TLS-terminating proxy in front; the Azure SDKs require HTTPS.", ""]
        }
        if let demo = info.demoOrganization {
            lines += ["Demo organization \(demo.domain) (tenant \(demo.tenantId)), interop enabled for this resource. Add them to a chat:"]
            lines += demo.users.map { "  \($0.displayName.padding(toLength: 12, withPad: " ", startingAt: 0)) \($0.rawId)  (\($0.coexistenceMode))" }
            lines += [
                "They sign in (e.g. with MSAL) at authority \(info.url)/\(demo.tenantId), client id \(demo.clientId),",
                "as <name>@\(demo.domain) with password \(demo.password); then use \(info.url)/v1.0/me/chats.",
            ]
            lines.append("")
        } else {
            lines += ["Tip: 'swift run parley serve --demo' adds a demo organization of Teams users to chat with.", ""]
        }
        if info.developmentMode == true {
            lines += [
                "DEVELOPMENT MODE: fault injection, a controllable clock and snapshots at \(info.url)/admin/dev",
                "  ('parley dev --help', docs/testing-your-app.md). For testing only: never expose this server.",
                "",
            ]
        }
        lines += [
            "Admin key (operator API at \(info.url)/admin, 'Authorization: Bearer <key>'):",
            "  \(info.adminKey)",
            "  e.g. swift run parley resources list --data-dir \(info.dataDirectory)",
            "",
            "Data directory: \(info.dataDirectory)",
        ]
        if let readyFile { lines.append("Ready document: \(readyFile)") }
        return lines.joined(separator: "\n")
    }

    /// The WebSocket URL of the real-time endpoint at `url` (`https://host:port`).
    static func realtimeURL(_ url: String) -> String {
        let scheme = url.hasPrefix("http://") ? "ws://" : "wss://"
        let rest = url.drop { $0 != ":" }.dropFirst(3)
        return scheme + rest + "/" + RealtimeProtocol.path
    }
}
