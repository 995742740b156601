"""alignfetch's version: its own module, so that the modules that send it (the User-Agent,
`--version`) need not import the package's API."""

__version__ = "0.1.0"
