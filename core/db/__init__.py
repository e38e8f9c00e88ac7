"""Database: declarative base, engine and sessions, models, Alembic migrations."""
