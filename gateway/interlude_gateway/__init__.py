"""Interlude's gateway: the HTTP JSON API that web and mobile front ends talk to."""
