"""User-facing errors: the CLI prints their message as one line and exits non-zero, no traceback."""


class UserError(Exception):
    """Bad input or environment: the message says what, where and what to do."""
