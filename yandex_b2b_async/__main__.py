"""``python -m yandex_b2b_async``: the ``yandex-b2b`` command line."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
