"""``python -m alignfetch``."""

from alignfetch.cli import main

main()
