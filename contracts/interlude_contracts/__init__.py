"""Interlude's contracts: the only code the services share.

Schemas (``envelope``, ``events``, ``activity``, ``api``), the errors that
cross RPC boundaries (``errors``), response validation against an activity
version (``answers``), the bus topology (``topology``) and the runtime pieces
every service needs in the same shape (``runtime``).
"""
