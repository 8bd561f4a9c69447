import GRDB

/// The schema, as an ordered list of migrations. Timestamps are Unix milliseconds, ids are TEXT,
/// so the same schema maps onto PostgreSQL.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: resources, users, secrets, events") { db in
            try db.execute(
                sql: """
                    CREATE TABLE server_secrets (
                        name TEXT PRIMARY KEY,
                        value TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE resources (
                        name TEXT PRIMARY KEY,
                        immutable_id TEXT NOT NULL UNIQUE,
                        primary_key TEXT NOT NULL,
                        secondary_key TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE acs_users (
                        raw_id TEXT PRIMARY KEY,
                        resource_id TEXT NOT NULL REFERENCES resources(immutable_id),
                        token_generation INTEGER NOT NULL DEFAULT 0,
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX acs_users_by_resource ON acs_users(resource_id);
                    CREATE TABLE domain_events (
                        position INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL,
                        resource_id TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        data TEXT NOT NULL,
                        occurred_at INTEGER NOT NULL
                    );
                    """
            )
        }
        migrator.registerMigration("v2: chat") { db in
            try db.execute(
                sql: """
                    CREATE TABLE chat_threads (
                        id TEXT PRIMARY KEY,
                        resource_id TEXT NOT NULL REFERENCES resources(immutable_id),
                        topic TEXT NOT NULL,
                        created_by TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        last_message_at INTEGER NOT NULL,
                        deleted_at INTEGER,
                        last_sequence INTEGER NOT NULL,
                        last_message_id INTEGER NOT NULL,
                        idempotency_key TEXT UNIQUE
                    );
                    CREATE TABLE chat_participants (
                        thread_id TEXT NOT NULL REFERENCES chat_threads(id),
                        raw_id TEXT NOT NULL,
                        display_name TEXT,
                        share_history_time INTEGER NOT NULL,
                        joined_at INTEGER NOT NULL,
                        UNIQUE (thread_id, raw_id)
                    );
                    CREATE INDEX chat_participants_by_user ON chat_participants(raw_id);
                    CREATE TABLE chat_messages (
                        thread_id TEXT NOT NULL REFERENCES chat_threads(id),
                        sequence_id INTEGER NOT NULL,
                        id INTEGER NOT NULL,
                        type TEXT NOT NULL,
                        sender TEXT,
                        sender_display_name TEXT,
                        body TEXT,
                        topic TEXT,
                        participants TEXT,
                        initiator TEXT,
                        metadata TEXT,
                        created_at INTEGER NOT NULL,
                        version INTEGER NOT NULL,
                        edited_at INTEGER,
                        deleted_at INTEGER,
                        PRIMARY KEY (thread_id, sequence_id)
                    ) WITHOUT ROWID;
                    CREATE UNIQUE INDEX chat_messages_by_id ON chat_messages(thread_id, id);
                    CREATE TABLE chat_read_receipts (
                        thread_id TEXT NOT NULL REFERENCES chat_threads(id),
                        sender TEXT NOT NULL,
                        message_id INTEGER NOT NULL,
                        read_at INTEGER NOT NULL,
                        PRIMARY KEY (thread_id, sender)
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v3: directory") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tenants (
                        id TEXT PRIMARY KEY,
                        display_name TEXT NOT NULL,
                        domain TEXT NOT NULL UNIQUE,
                        enable_acs_users INTEGER NOT NULL,
                        allowed_acs_resources TEXT NOT NULL,
                        blocked_acs_resources TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE TABLE external_access_policies (
                        tenant_id TEXT NOT NULL REFERENCES tenants(id),
                        identity TEXT NOT NULL,
                        enable_acs_federation_access INTEGER NOT NULL,
                        PRIMARY KEY (tenant_id, identity)
                    ) WITHOUT ROWID;
                    CREATE TABLE org_users (
                        id TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL REFERENCES tenants(id),
                        display_name TEXT NOT NULL,
                        user_principal_name TEXT NOT NULL UNIQUE,
                        mail TEXT,
                        coexistence_mode TEXT NOT NULL,
                        enterprise_voice_enabled INTEGER NOT NULL,
                        external_access_policy TEXT,
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX org_users_by_tenant ON org_users(tenant_id);
                    """
            )
        }
        migrator.registerMigration("v4: org sign-in") { db in
            try db.execute(
                sql: """
                    ALTER TABLE org_users ADD COLUMN password_hash TEXT;
                    CREATE TABLE tenant_apps (
                        app_id TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL REFERENCES tenants(id),
                        display_name TEXT NOT NULL,
                        secret_hash TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX tenant_apps_by_tenant ON tenant_apps(tenant_id);
                    """
            )
        }
        // Chats among organization users have no resource; chats that org users start carry
        // their tenant. SQLite cannot relax NOT NULL in place, so the table is rebuilt.
        migrator.registerMigration("v5: chats without a resource", foreignKeyChecks: .deferred) { db in
            try db.execute(
                sql: """
                    CREATE TABLE chat_threads_v5 (
                        id TEXT PRIMARY KEY,
                        resource_id TEXT REFERENCES resources(immutable_id),
                        tenant_id TEXT REFERENCES tenants(id),
                        topic TEXT NOT NULL,
                        created_by TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        last_message_at INTEGER NOT NULL,
                        deleted_at INTEGER,
                        last_sequence INTEGER NOT NULL,
                        last_message_id INTEGER NOT NULL,
                        idempotency_key TEXT UNIQUE
                    );
                    INSERT INTO chat_threads_v5
                        (id, resource_id, tenant_id, topic, created_by, created_at, last_message_at, deleted_at, last_sequence, last_message_id, idempotency_key)
                    SELECT id, resource_id, NULL, topic, created_by, created_at, last_message_at, deleted_at, last_sequence, last_message_id, idempotency_key
                    FROM chat_threads;
                    DROP TABLE chat_threads;
                    ALTER TABLE chat_threads_v5 RENAME TO chat_threads;
                    """
            )
        }
        migrator.registerMigration("v6: attachments") { db in
            try db.execute(
                sql: """
                    ALTER TABLE chat_messages ADD COLUMN attachments TEXT;
                    CREATE TABLE chat_hosted_images (
                        thread_id TEXT NOT NULL REFERENCES chat_threads(id),
                        id TEXT NOT NULL,
                        message_id INTEGER NOT NULL,
                        content_type TEXT NOT NULL,
                        data BLOB NOT NULL,
                        PRIMARY KEY (thread_id, id)
                    ) WITHOUT ROWID;
                    """
            )
        }
        migrator.registerMigration("v7: Teams voice apps") { db in
            try db.execute(
                sql: """
                    CREATE TABLE teams_voice_apps (
                        app_id TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL REFERENCES tenants(id),
                        display_name TEXT NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX teams_voice_apps_by_tenant ON teams_voice_apps(tenant_id);
                    """
            )
        }
        // Event positions come from the rowid: pruning always keeps the latest event, so rowids only grow, and
        // AUTOINCREMENT's extra bookkeeping write (sqlite_sequence) on every message is avoided.
        migrator.registerMigration("v8: event log without AUTOINCREMENT") { db in
            try db.execute(
                sql: """
                    CREATE TABLE domain_events_v8 (
                        position INTEGER PRIMARY KEY,
                        kind TEXT NOT NULL,
                        resource_id TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        data TEXT NOT NULL,
                        occurred_at INTEGER NOT NULL
                    );
                    INSERT INTO domain_events_v8 SELECT position, kind, resource_id, subject, data, occurred_at FROM domain_events;
                    DROP TABLE domain_events;
                    ALTER TABLE domain_events_v8 RENAME TO domain_events;
                    """
            )
        }
        // Real-time delivery reads who hears of each chat event, and which participants it is
        // about, from the event itself: both are fixed when the change commits. An event names
        // its audience by id: a thread's messages share one row, so a message in a thread of
        // many participants does not write their list again. One row per distinct set of
        // participants; rows are immutable.
        migrator.registerMigration("v9: event audiences") { db in
            try db.execute(
                sql: """
                    CREATE TABLE event_audiences (
                        id INTEGER PRIMARY KEY,
                        members TEXT NOT NULL UNIQUE
                    );
                    ALTER TABLE domain_events ADD COLUMN audience_id INTEGER;
                    ALTER TABLE domain_events ADD COLUMN participants TEXT;
                    """
            )
        }
        // Calls run in memory; their records (who took part, when, how it ended) are written as
        // they change. `ended_at IS NULL` marks calls a restart interrupted.
        migrator.registerMigration("v10: calls") { db in
            try db.execute(
                sql: """
                    CREATE TABLE calls (
                        id TEXT PRIMARY KEY,
                        resource_id TEXT,
                        started_by TEXT NOT NULL,
                        is_group INTEGER NOT NULL,
                        is_interop INTEGER NOT NULL,
                        started_at INTEGER NOT NULL,
                        connected_at INTEGER,
                        ended_at INTEGER,
                        end_code INTEGER,
                        end_sub_code INTEGER
                    );
                    CREATE INDEX calls_running ON calls (started_at) WHERE ended_at IS NULL;
                    CREATE TABLE call_parties (
                        call_id TEXT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
                        seq INTEGER NOT NULL,
                        raw_id TEXT NOT NULL,
                        display_name TEXT,
                        role TEXT NOT NULL,
                        invited_at INTEGER NOT NULL,
                        joined_at INTEGER,
                        left_at INTEGER,
                        end_code INTEGER,
                        end_sub_code INTEGER,
                        PRIMARY KEY (call_id, seq)
                    ) WITHOUT ROWID;
                    """
            )
        }
        // Role assignments of app registrations on resources (Microsoft Entra ID access to the
        // resource APIs). One app holds a role on a resource at most once.
        migrator.registerMigration("v11: role assignments") { db in
            try db.execute(
                sql: """
                    CREATE TABLE role_assignments (
                        id TEXT PRIMARY KEY,
                        resource_id TEXT NOT NULL REFERENCES resources(immutable_id),
                        tenant_id TEXT NOT NULL REFERENCES tenants(id),
                        app_id TEXT NOT NULL REFERENCES tenant_apps(app_id),
                        role TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        UNIQUE (resource_id, app_id, role)
                    );
                    CREATE INDEX role_assignments_by_app ON role_assignments(app_id);
                    """
            )
        }
        // Event Grid subscriptions: each is a cursor over the event log (pruning waits for the
        // cursors of active subscriptions) plus the events that failed and wait for a retry,
        // kept with their rendered payload so they no longer need the log.
        migrator.registerMigration("v12: event subscriptions") { db in
            try db.execute(
                sql: """
                    CREATE TABLE event_subscriptions (
                        id TEXT PRIMARY KEY,
                        resource_id TEXT NOT NULL REFERENCES resources(immutable_id),
                        name TEXT NOT NULL,
                        definition TEXT NOT NULL,
                        pending_definition TEXT,
                        state TEXT NOT NULL,
                        validation_code TEXT,
                        validation_expires_at INTEGER,
                        cursor INTEGER NOT NULL,
                        probation_until INTEGER,
                        consecutive_failures INTEGER NOT NULL DEFAULT 0,
                        last_outcome TEXT,
                        last_attempt_at INTEGER,
                        lease_owner TEXT,
                        lease_expires_at INTEGER,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        UNIQUE (resource_id, name)
                    );
                    CREATE TABLE event_retries (
                        subscription_id TEXT NOT NULL REFERENCES event_subscriptions(id) ON DELETE CASCADE,
                        event_id TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        payload BLOB NOT NULL,
                        published_at INTEGER NOT NULL,
                        attempts INTEGER NOT NULL,
                        next_attempt_at INTEGER NOT NULL,
                        last_outcome TEXT NOT NULL,
                        last_status INTEGER,
                        last_attempt_at INTEGER,
                        UNIQUE (subscription_id, event_id)
                    );
                    CREATE INDEX event_retries_due ON event_retries (subscription_id, next_attempt_at, position);
                    """
            )
        }
        // Parley's web app: resources that serve its backend, visitors who joined by name, and
        // the organization side's authorization code flow (redirect URIs, codes, sessions with
        // rotating refresh tokens). Codes, refresh tokens and visitor session keys are stored as
        // SHA-256 hashes only.
        migrator.registerMigration("v13: web sign-in") { db in
            try db.execute(
                sql: """
                    ALTER TABLE resources ADD COLUMN web_app_enabled INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE tenant_apps ADD COLUMN redirect_uris TEXT NOT NULL DEFAULT '';
                    CREATE TABLE org_authorization_codes (
                        code_hash TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL REFERENCES tenants(id),
                        client_id TEXT NOT NULL,
                        user_id TEXT NOT NULL,
                        redirect_uri TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        nonce TEXT,
                        code_challenge TEXT NOT NULL,
                        session_id TEXT NOT NULL,
                        issued_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        redeemed_at INTEGER
                    ) WITHOUT ROWID;
                    CREATE INDEX org_authorization_codes_by_expiry ON org_authorization_codes(expires_at);
                    CREATE TABLE org_sign_in_sessions (
                        id TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL REFERENCES tenants(id),
                        client_id TEXT NOT NULL,
                        user_id TEXT NOT NULL,
                        scopes TEXT NOT NULL,
                        started_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        revoked_at INTEGER
                    ) WITHOUT ROWID;
                    CREATE INDEX org_sign_in_sessions_by_expiry ON org_sign_in_sessions(expires_at);
                    CREATE TABLE org_refresh_tokens (
                        token_hash TEXT PRIMARY KEY,
                        session_id TEXT NOT NULL REFERENCES org_sign_in_sessions(id) ON DELETE CASCADE,
                        issued_at INTEGER NOT NULL,
                        used_at INTEGER
                    ) WITHOUT ROWID;
                    CREATE INDEX org_refresh_tokens_by_session ON org_refresh_tokens(session_id);
                    CREATE TABLE web_visitors (
                        session_hash TEXT PRIMARY KEY,
                        raw_id TEXT NOT NULL REFERENCES acs_users(raw_id) ON DELETE CASCADE,
                        resource_id TEXT NOT NULL,
                        display_name TEXT NOT NULL,
                        joined_at INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX web_visitors_by_user ON web_visitors(raw_id);
                    """
            )
        }
        return migrator
    }
}
