"""modaudit ETL: reads moderation logs, validates them and writes the DuckDB warehouse."""
