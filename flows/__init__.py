"""Prefect flows: the inbox, evaluation, documents and reminders, on a schedule from the plan.

The only package that imports Prefect.  Flows wire the steps of ``bontot.service``,
``bontot.intake`` and ``bontot.documents`` together; tasks are coarse (a batch of files, a whole
evaluation, a scope of documents) and call those plain functions; only I/O retries.

Importing this package turns Prefect's telemetry off unless the environment says otherwise: the
machines this runs on have no Internet, and a failed attempt to report only logs errors.  It must
happen before Prefect itself is imported, hence here.  It also gives the temporary server of a
single run (``bontot run``) two minutes to start rather than 20 s: its first start creates the
database, which takes longer than that on an office PC.

Modules: ``pipeline`` (the flows), ``steps`` (the tasks), ``summary`` (the Vietnamese artifacts),
``policy`` (what retries and how many CPUs), ``deployments`` (schedules from the plan, ``serve``),
``server`` (a local Prefect server), ``watch`` (the inbox watcher).
"""

from __future__ import annotations

import os

TELEMETRY_OFF = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
DEFAULTS = {**TELEMETRY_OFF, "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
for _name, _value in DEFAULTS.items():
    os.environ.setdefault(_name, _value)
