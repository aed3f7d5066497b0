"""`python -m rdwatch` runs the CLI."""

from rdwatch.cli import main

main()
