"""Durable storage: the command journal and the query tables (SQLite embedded, PostgreSQL for production)."""
