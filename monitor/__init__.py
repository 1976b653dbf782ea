"""The monitor: checks the harvested reports and keeps findings.

    >>> from monitor import run_check
    >>> result = run_check(session, year=2023)      # stores findings; the caller commits
    >>> [r["message"] for r in result.records if r["status"] == "open"]

Rules (``monitor/rules/``): R1–R5 hard arithmetic (error), W1–W6 warnings, T1 trend,
P1–P3 publication, C1 crawl problem and X1 extraction problem (info: never the agency's fault).
Configuration: ``config/monitor.yaml``; expected agencies: ``config/agencies/*.yaml``.
"""
from monitor.config import MonitorConfig
from monitor.runner import RunResult, run_check

__all__ = ["MonitorConfig", "RunResult", "run_check"]
