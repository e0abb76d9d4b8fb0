"""kioskd's own database: SQLite in WAL mode in the data dir, schema by Alembic migrations."""
