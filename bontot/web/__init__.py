"""The web desk: log in, download the documents, upload forms, review what the reader flagged.

``bontot web WORKSPACE`` serves :func:`bontot.web.app.create_app`; ``bontot user add`` makes the
accounts.  Nothing is imported here, so ``import bontot.web.auth`` stays light.
"""
