"""``python -m pyotp_rs``: the ``pyotp-rs`` command line."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
