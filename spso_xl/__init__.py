"""spso-xl: the functional core of the SPSO Support and Intervention tracker.

Plain Python on plain values. The xlwings custom functions (`udfs/`), the button
handlers (`macros/`) and the `spso-xl` command are thin shells over this package.
"""

__version__ = "0.1.0"
