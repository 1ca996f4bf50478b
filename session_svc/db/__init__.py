"""Database access: SQL loading (statements.py), per-database pools and the queries behind each route."""
