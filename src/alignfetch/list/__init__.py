"""The list itself: entries.toml (its sections and entries), IDs, and an entry with its records."""
