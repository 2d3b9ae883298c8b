"""A button clicked as Excel clicks it, and a Lite script run as xlwings Lite runs it.

`click` builds the payload an xlwings client sends from a real tracker file (`remote.payload`: the
sheets, the active sheet and the selection), chooses the action in the Cases sheet's dropdown if given,
and runs the buttons' handler (`macros.main`) on xlwings' remote engine; `press` does the same for a
payload a test has changed itself. Both return the actions xlwings would send back to Excel, which
`remote.apply` writes into the file. `run_script` runs a script of the Lite edition's main.py through
`xlwings.server.custom_scripts_call`, the workbook injected as an `xw.Book`.
"""

import asyncio
import importlib.util
from pathlib import Path

import xlwings as xw
import xlwings.server

import macros
from tests.support import remote
from tests.support.dates import TODAY


def choose_action(payload: dict, action: str) -> dict:
    """Set the Cases sheet's action dropdown in a payload."""
    cases = payload["sheets"][[s["name"] for s in payload["sheets"]].index("Cases")]
    cases["values"][0][5] = action  # Cases!F1, the Name CasesAction (values start at A1)
    return payload


def press(payload: dict, *, today=TODAY) -> list[dict]:
    """Run the buttons' handler on a client's payload: the actions xlwings would send back to Excel."""
    book = xw.Book(json=payload)
    macros.main(book, today=today)
    return book.json()["actions"]


def click(path: Path, action: str | None = None, *, today=TODAY, **payload_kwargs) -> list[dict]:
    """Click the button on the tracker file at `path`, with `action` chosen in the Cases dropdown if given;
    `payload_kwargs` (active, selection, filtered) go to `remote.payload`."""
    payload = remote.payload(path, **payload_kwargs)
    if action is not None:
        choose_action(payload, action)
    return press(payload, today=today)


def alerts(actions: list[dict]) -> list[tuple[str, str]]:
    """(message, mode) of each alert among the actions: mode is "info" or "critical"."""
    return [(a["args"][0], a["args"][3]) for a in actions if a["func"] == "alert"]


def load_main(path: Path):
    """The main.py beside a Lite tracker, loaded as xlwings Lite loads it."""
    spec = importlib.util.spec_from_file_location("main", path.parent / "main.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(path: Path, name: str, *args, **payload_kwargs) -> list[dict]:
    """Run a script the way xlwings Lite does: the workbook injected as an xw.Book; its actions back."""
    main = load_main(path)
    book = xw.Book(json=remote.payload(path, **payload_kwargs))
    asyncio.run(xlwings.server.custom_scripts_call(main, name, typehint_to_value={xw.Book: book}, args=list(args)))
    return book.json()["actions"]
