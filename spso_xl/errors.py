"""The one error type for bad input, carrying what a cell or a command line shows."""


class InputError(ValueError):
    """A value a person typed that the tool cannot use.

    `code` is the short tag a cell shows (`#DATE? ...`); the message names the value
    and says what is expected, so it can be shown as it is.
    """

    def __init__(self, code: str, message: str, value=None):
        super().__init__(message)
        self.code = code
        self.value = value

    def cell_text(self) -> str:
        """The text a spreadsheet cell shows for this error."""
        return f"#{self.code}? {self}"


def shorten(text: str, limit: int = 40) -> str:
    """A typed value cut to fit in a message."""
    return text if len(text) <= limit else text[:limit - 3] + "..."
