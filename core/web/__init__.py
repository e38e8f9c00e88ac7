"""The Flask-aware corner shared by the blueprints: sessions, errors, headers, limits."""
