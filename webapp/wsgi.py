"""WSGI entry point for gunicorn: `gunicorn webapp.wsgi:app` (settings from the environment).

Once the app is built, everything it loaded (Flask, litellm, pydantic models, the OpenAPI
document: ~115,000 tracked objects) is moved out of the garbage collector's sight
(`gc.freeze`): those objects live as long as the process, yet every full collection walked them
all with every thread of the worker waiting: 86.5 ms for one such collection in a 35-second run
of the desk benchmark (measured with `gc.callbacks` in a worker), 1.1-3.7 ms once frozen. Each
worker imports this module after the fork, so each freezes its own copy.
"""

import gc

from webapp.app import create_app

app = create_app()
gc.freeze()
