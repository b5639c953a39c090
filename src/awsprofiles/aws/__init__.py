"""The only code that imports boto3/botocore: sessions, identity, roles, assuming, caching.

Import these modules lazily (inside functions) from feature and CLI code, so that commands
that need no AWS call start without loading botocore.
"""
