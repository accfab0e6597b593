"""Outlook to 2035: demand and supply by year, concentration and dependence with bands, and plans.

critmin's shock engine looks 24 months ahead; the outlook follows the project pipeline and
demand growth year by year (see :mod:`critmin.outlook.run`) and the multi-year plan chooses
projects so a dependence target holds by a year (:mod:`critmin.outlook.plan`).

Where the data live: growth rates, incumbents' expansion and the further announced projects
are *scenario* data (a user replaces or edits them; they are forecasts and announcements, not
measurements), so they ship in ``critmin/outlook/scenarios/*.toml`` and
``critmin/outlook/data/*.csv`` with their own ``sources.csv``, not in the packaged dataset that
tools/dataset builds from measured and estimated facts. The base year's demand, production,
trade and the response projects come from the packaged dataset.
"""

from .scenario import OutlookScenario, load_scenario, named_scenarios, read_scenario

__all__ = ["OutlookScenario", "load_scenario", "named_scenarios", "read_scenario"]
