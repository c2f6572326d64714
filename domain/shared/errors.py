"""The one base class every domain rule violation derives from."""


class DomainError(Exception):
    """A command broke a domain rule; nothing was changed.

    ``code`` is a stable, machine-readable name (the gateway maps it to a problem type);
    the message says what was wrong in words a service desk agent understands.
    """

    code = "domain-rule-violated"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
