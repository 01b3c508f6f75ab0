"""Services: every read and write of the registry; they take the session, never commit."""
