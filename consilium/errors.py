"""Domain errors raised by actions; pages and the API turn each into one HTTP answer."""


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    """The user may see the object but not do this to it."""

    status_code = 403


class Conflict(DomainError):
    """The object is not in a state that allows this (e.g. an illegal case transition)."""

    status_code = 409


class InvalidInput(DomainError):
    """Bad input; ``errors`` maps each field to its message. Nothing was written."""

    status_code = 422

    def __init__(self, errors: dict[str, str]):
        super().__init__("Please correct the marked fields.")
        self.errors = errors
