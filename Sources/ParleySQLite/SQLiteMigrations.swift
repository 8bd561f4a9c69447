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
        return migrator
    }
}
