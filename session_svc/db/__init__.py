"""Database access: SQL loading, per-database pools and the queries behind each route."""
