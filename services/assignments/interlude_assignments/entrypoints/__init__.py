"""The assignments service's nameko entrypoints, one class per area; ``service.py`` composes them.

Each entrypoint validates its request, turns it into a command for
``handlers.handle`` (or a lookup) and its result into a contract body.
"""
