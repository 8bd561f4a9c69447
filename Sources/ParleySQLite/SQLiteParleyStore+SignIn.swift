import Foundation
import GRDB
import ParleyCore

extension SQLiteParleyStore {
    /// Codes and sessions that ended this long ago are deleted when new ones are written, so the
    /// tables stay as small as the sign-ins of the last day.
    static let signInRetention: TimeInterval = 86_400

    public func setRedirectURIs(_ uris: [String], of appId: UUID, in tenantId: UUID, event: DomainEvent) async throws -> TenantApp? {
        try await writer.write { db in
            try db.execute(
                cached: "UPDATE tenant_apps SET redirect_uris = ? WHERE app_id = ? AND tenant_id = ?",
                arguments: [Self.text(uris), Self.key(appId), Self.key(tenantId)]
            )
            guard db.changesCount == 1 else { return nil }
            try Self.append(event, to: db)
            return try db.fetchOneRow(cached: "SELECT * FROM tenant_apps WHERE app_id = ?", arguments: [Self.key(appId)]).map(Self.app(from:))
        }
    }

    public func insertAuthorizationCode(_ code: AuthorizationCode, event: DomainEvent) async throws {
        try await writer.write { db in
            try db.execute(
                cached: "DELETE FROM org_authorization_codes WHERE expires_at < ?",
                arguments: [Self.millis(code.issuedAt.addingTimeInterval(-Self.signInRetention))]
            )
            try db.execute(
                cached: """
                    INSERT INTO org_authorization_codes
                        (code_hash, tenant_id, client_id, user_id, redirect_uri, scopes, nonce, code_challenge, session_id, issued_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    code.codeHash, Self.key(code.tenantId), Self.key(code.clientId), Self.key(code.userId), code.redirectUri,
                    code.scopes.joined(separator: " "), code.nonce, code.codeChallenge, code.sessionId, Self.millis(code.issuedAt),
                    Self.millis(code.expiresAt),
                ]
            )
            try Self.append(event, to: db)
        }
    }

    public func authorizationCode(hash: String) async throws -> AuthorizationCode? {
        try await database.read { db in
            try db.fetchOneRow(cached: "SELECT * FROM org_authorization_codes WHERE code_hash = ?", arguments: [hash]).map(Self.code(from:))
        }
    }

    public func redeemAuthorizationCode(
        hash: String,
        at time: Date,
        session: SignInSession,
        refreshToken: RefreshTokenRecord,
        event: DomainEvent
    ) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                cached: "UPDATE org_authorization_codes SET redeemed_at = ? WHERE code_hash = ? AND redeemed_at IS NULL",
                arguments: [Self.millis(time), hash]
            )
            guard db.changesCount == 1 else { return false }
            try db.execute(
                cached: "DELETE FROM org_sign_in_sessions WHERE expires_at < ?",
                arguments: [Self.millis(time.addingTimeInterval(-Self.signInRetention))]
            )
            try db.execute(
                cached: """
                    INSERT INTO org_sign_in_sessions (id, tenant_id, client_id, user_id, scopes, started_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    session.id, Self.key(session.tenantId), Self.key(session.clientId), Self.key(session.userId),
                    session.scopes.joined(separator: " "),
                    Self.millis(session.startedAt), Self.millis(session.expiresAt),
                ]
            )
            try Self.insert(refreshToken, db)
            try Self.append(event, to: db)
            return true
        }
    }

    public func signInSession(id: String) async throws -> SignInSession? {
        try await database.read { db in
            try db.fetchOneRow(cached: "SELECT * FROM org_sign_in_sessions WHERE id = ?", arguments: [id]).map(Self.session(from:))
        }
    }

    public func refreshToken(hash: String) async throws -> RefreshTokenRecord? {
        try await database.read { db in
            try db.fetchOneRow(cached: "SELECT * FROM org_refresh_tokens WHERE token_hash = ?", arguments: [hash]).map { row in
                RefreshTokenRecord(
                    tokenHash: row["token_hash"],
                    sessionId: row["session_id"],
                    issuedAt: Self.date(row["issued_at"]),
                    usedAt: (row["used_at"] as Int64?).map(Self.date)
                )
            }
        }
    }

    public func rotateRefreshToken(hash: String, replacement: RefreshTokenRecord, at time: Date, event: DomainEvent) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                cached: """
                    UPDATE org_refresh_tokens SET used_at = ?
                    WHERE token_hash = ? AND used_at IS NULL
                    AND session_id IN (SELECT id FROM org_sign_in_sessions WHERE revoked_at IS NULL AND expires_at > ?)
                    """,
                arguments: [Self.millis(time), hash, Self.millis(time)]
            )
            guard db.changesCount == 1 else { return false }
            try Self.insert(replacement, db)
            try Self.append(event, to: db)
            return true
        }
    }

    public func revokeSignInSession(id: String, at time: Date, event: DomainEvent) async throws -> Bool {
        try await writer.write { db in
            try db.execute(
                cached: "UPDATE org_sign_in_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                arguments: [Self.millis(time), id]
            )
            guard db.changesCount == 1 else { return false }
            try Self.append(event, to: db)
            return true
        }
    }

    // MARK: Rows

    private static func insert(_ token: RefreshTokenRecord, _ db: Database) throws {
        try db.execute(
            cached: "INSERT INTO org_refresh_tokens (token_hash, session_id, issued_at) VALUES (?, ?, ?)",
            arguments: [token.tokenHash, token.sessionId, millis(token.issuedAt)]
        )
    }

    private static func code(from row: Row) throws -> AuthorizationCode {
        guard let tenantId = UUID(uuidString: row["tenant_id"]), let clientId = UUID(uuidString: row["client_id"]),
            let userId = UUID(uuidString: row["user_id"])
        else { throw ParleyError(.internal, "Stored authorization code is malformed.") }
        return AuthorizationCode(
            codeHash: row["code_hash"],
            tenantId: tenantId,
            clientId: clientId,
            userId: userId,
            redirectUri: row["redirect_uri"],
            scopes: (row["scopes"] as String).split(separator: " ").map(String.init),
            nonce: row["nonce"],
            codeChallenge: row["code_challenge"],
            sessionId: row["session_id"],
            issuedAt: date(row["issued_at"]),
            expiresAt: date(row["expires_at"]),
            redeemedAt: (row["redeemed_at"] as Int64?).map(date)
        )
    }

    private static func session(from row: Row) throws -> SignInSession {
        guard let tenantId = UUID(uuidString: row["tenant_id"]), let clientId = UUID(uuidString: row["client_id"]),
            let userId = UUID(uuidString: row["user_id"])
        else { throw ParleyError(.internal, "Stored sign-in session is malformed.") }
        return SignInSession(
            id: row["id"],
            tenantId: tenantId,
            clientId: clientId,
            userId: userId,
            scopes: (row["scopes"] as String).split(separator: " ").map(String.init),
            startedAt: date(row["started_at"]),
            expiresAt: date(row["expires_at"]),
            revokedAt: (row["revoked_at"] as Int64?).map(date)
        )
    }
}
