"""The product's errors, each with a message written for the person who reads it, and `explain`,
which turns any error into the one line a command prints.

    SpsoError
     ├ InputError (ValueError)      a value a person typed that the tool cannot use (a cell shows `code`)
     ├ NotRecorded (ValueError)     a case an action names cannot be found or read
     ├ PackageError (ValueError)    a file that is not a workbook the writer can edit
     ├ WriteRefused (RuntimeError)  a file that cannot be written safely now (open, read-only, busy ...)
     └ TemplateProblem (RuntimeError)  a letter template that cannot be filled
"""


class SpsoError(Exception):
    """An error spso-xl raises on purpose: its message says what happened and what to do."""


class InputError(SpsoError, ValueError):
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


class NotRecorded(SpsoError, ValueError):
    """A case an action names cannot be found or read; the message names it."""


class PackageError(SpsoError, ValueError):
    """The file is not a workbook this writer can change safely; the message says why."""


class WriteRefused(SpsoError, RuntimeError):
    """The file cannot be written safely now; the message says why and what to do."""


class TemplateProblem(SpsoError, RuntimeError):
    """A template that cannot be rendered (a mistyped field, a broken tag): says which and how to fix."""


def shorten(text: str, limit: int = 40) -> str:
    """A typed value cut to fit in a message."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """'1 case', '2 cases', '0 cases' (`nouns` for irregular plurals)."""
    return f"{n} {noun if n == 1 else nouns or noun + 's'}"


def explain(error: BaseException, path=None) -> str:
    """The one line a person sees for any error: what went wrong, naming the file, and what to do.

    spso-xl's own errors and RuntimeError (LibreOffice failures) already say so; an operating
    system error is put in words; anything else is named as unexpected, with the way to report it.
    """
    name = f"{path}: " if path is not None else ""
    if isinstance(error, (SpsoError, RuntimeError)):
        return str(error)
    if isinstance(error, FileNotFoundError) and not error.filename:
        return str(error)
    if isinstance(error, OSError):
        target = error.filename or path or "the file"
        if isinstance(error, PermissionError):
            return (f"{target}: permission denied: choose a file or folder you may write to, "
                    f"or ask whoever manages the folder for access")
        if isinstance(error, IsADirectoryError):
            return f"{target} is a folder: name a file"
        if isinstance(error, FileNotFoundError):
            return f"{target}: no such file or folder: check the name and the folder"
        return f"{target}: {error.strerror or error}"
    return (f"{name}unexpected error ({type(error).__name__}: {shorten(str(error), 120)}): run the command again "
            f"with --debug and send what it prints to whoever supports spso-xl")
