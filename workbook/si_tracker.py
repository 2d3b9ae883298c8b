"""xlwings entry module for the tracker workbook of the same name.

The workbook's buttons run xlwings' `SampleCall` macro, which imports the module named
like the workbook and calls `main()` (the `xlwings quickstart` convention).
"""

from macros import main

if __name__ == "__main__":  # run a button's action from Python against the open workbook
    import xlwings as xw

    xw.Book(__file__.replace(".py", ".xlsm")).set_mock_caller()
    main()
