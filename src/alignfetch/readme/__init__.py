"""Reading Markdown: a README parsed into sections and entries (``reading``), and the
Markdown helpers every writer of a page shares (``text``: escaping, anchors, filters)."""
