"""Interlude's activity model: what an activity's parts mean together.

The wire shape of an activity is in ``interlude_contracts.activity``; this package owns the
rest, used by activities (a draft checked as a whole: ``draft``, ``structure``, the shared
``library``) and assignments (answers checked against the version: ``answers``, ``branching``;
scores at submission: ``scoring``; tokens filled when assigned: ``personalise``).
"""
