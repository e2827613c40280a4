"""``python -m sirenkit``: the same as the ``sirenkit`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
