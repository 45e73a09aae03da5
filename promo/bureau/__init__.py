"""The bureau's view (issue 14): scored units and their targets, the counting rules, the
scoreboard and monthly ranking (擂台赛), charts, the monthly dispatch, the quarterly bulletin,
milestone checks (节点督查) and the demo data set. Knows nothing of Telegram.

    units.py       the units and targets lists as a registry (resolve an officer's unit)
    periods.py     month / quarter / year periods
    rules.py       the counting rules over the raw records (the one place they live)
    scoreboard.py  figures with target, completion, time progress, rank, growth; drill-down
    charts.py      ranking and trend PNGs (matplotlib, Noto Sans SC from requirements.txt)
    dispatch.py    the monthly dispatch: claim the period in the database, then post
    bulletin.py    the quarterly bulletin: .xlsx and a printable HTML page
    milestones.py  overdue nodes per unit
    demo.py        a realistic quarter, marked as demo, removable
"""
