"""Interlude's contracts: what crosses a process boundary.

Schemas (``envelope``, ``events``, ``activity``, ``api``, ``analytics``, ``schedules``,
``identity``), the errors that cross RPC boundaries (``errors``) and the bus topology
(``topology``). What an activity means (checks across items, answers, scoring) is in
``interlude_activity_model``; what every process runs the same way is in ``interlude_runtime``.
"""
