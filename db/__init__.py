"""Storage: the SQL schema (``db.models``), its Alembic migrations, sessions, and the
content-addressed raw store (``db.rawstore``)."""
