import Foundation
import ParleyCore

/// The HTML of the organization sign-in pages (`/authorize`, `/logout`): server-rendered, no
/// script, every value escaped. Styles come from the web app's `/app/signin.css`.
enum SignInPage {
    /// The sign-in form. The authorization request travels in hidden fields (it is re-checked
    /// when the form comes back); `csrf` must match the browser's sign-in cookie.
    static func form(
        _ request: AuthorizationRequest,
        parameters: [String: String],
        csrf: String,
        action: String,
        username: String?,
        error: String?
    ) -> String {
        let carried = [
            "client_id", "redirect_uri", "response_type", "response_mode", "scope", "state", "nonce", "code_challenge", "code_challenge_method",
        ]
        let hidden = carried.compactMap { name in parameters[name].map { "<input type=\"hidden\" name=\"\(name)\" value=\"\(escape($0))\">" } }
        let alert = error.map { "<p class=\"error\" role=\"alert\" id=\"signin-error\">\(escape($0))</p>" } ?? ""
        let described = error == nil ? "" : " aria-describedby=\"signin-error\" aria-invalid=\"true\""
        let body = """
            <h1>Sign in to \(escape(request.tenant.displayName))</h1>
            <p class="app">to continue to <strong>\(escape(request.app.displayName))</strong></p>
            \(alert)
            <form method="post" action="\(escape(action))">
            \(hidden.joined(separator: "\n"))
            <input type="hidden" name="csrf" value="\(escape(csrf))">
            <label for="username">Email or user name</label>
            <input id="username" name="username" type="email" autocomplete="username" required value="\(escape(username ?? request.loginHint ?? ""))"\(described)\(username == nil && request.loginHint == nil ? " autofocus" : "")>
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required\(described)\(username != nil || request.loginHint != nil ? " autofocus" : "")>
            <button type="submit">Sign in</button>
            </form>
            <p class="fine">\(escape(request.tenant.domain)) · Parley</p>
            """
        return page(title: "Sign in to \(request.tenant.displayName)", body: body)
    }

    /// A page that says, in words, why there is nothing to sign in to.
    static func problem(_ message: String) -> String {
        page(
            title: "Sign-in problem",
            body: """
                <h1>We could not start the sign-in</h1>
                <p class="error" role="alert">\(escape(message))</p>
                <p>Go back to the app and try again. If it keeps happening, tell the app's administrator.</p>
                """
        )
    }

    /// The response of `response_mode=form_post`: a form the browser posts to the redirect URI
    /// (a button, and a small script of the web app that presses it).
    static func formPost(to redirectUri: String, fields: [(String, String)]) -> String {
        let inputs = fields.map { "<input type=\"hidden\" name=\"\(escape($0.0))\" value=\"\(escape($0.1))\">" }.joined(separator: "\n")
        return page(
            title: "Signing you in",
            body: """
                <h1>Signing you in…</h1>
                <form method="post" action="\(escape(redirectUri))" id="form-post">
                \(inputs)
                <button type="submit">Continue</button>
                </form>
                <script src="/app/form-post.js"></script>
                """
        )
    }

    static func signedOut(_ tenant: Tenant) -> String {
        page(
            title: "Signed out",
            body: """
                <h1>You have signed out</h1>
                <p>You have signed out of \(escape(tenant.displayName)). You can close this window.</p>
                <p><a href="/">Back to Parley</a></p>
                """
        )
    }

    private static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>\(escape(title))</title>
        <link rel="icon" href="/app/icon.svg" type="image/svg+xml">
        <link rel="stylesheet" href="/app/signin.css">
        </head>
        <body>
        <main class="card">
        \(body)
        </main>
        </body>
        </html>

        """
    }

    /// HTML text and attribute escaping.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
