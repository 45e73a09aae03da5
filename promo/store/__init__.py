"""Storage: the database and its tables, the allow-list and invites, the key-value store."""
