"""Interlude identity: who may sign in, in which clinic, with which role; and who touched which client's data."""
