"""Fetching: batches per source and what they point to, and refresh's report of what changed."""
