"""Outlook to 2035: demand and supply by year, concentration and dependence with bands, and plans.

critmin's shock engine looks 24 months ahead; the outlook follows the project pipeline and
demand growth year by year (see :mod:`critmin.outlook.run`) and the multi-year plan chooses
projects so a dependence target holds by a year (:mod:`critmin.outlook.plan`).
"""

from .scenario import OutlookScenario, load_scenario, named_scenarios, read_scenario

__all__ = ["OutlookScenario", "load_scenario", "named_scenarios", "read_scenario"]
