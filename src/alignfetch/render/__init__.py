"""Rendering the list's README from a sandboxed Jinja2 template."""
