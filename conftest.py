"""Root conftest: eventlet must patch the standard library before anything else imports it.

nameko services run on eventlet; without the patch, tests that start containers hang.
"""

import eventlet

eventlet.monkey_patch()
