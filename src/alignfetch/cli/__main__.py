"""``python -m alignfetch.cli``, as it ran before the CLI became a package."""

from alignfetch.cli import main

main()
