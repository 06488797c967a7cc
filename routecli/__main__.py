"""``python -m routecli``."""

from routecli.cli import main

main()
