"""Configuration and state of the inbound channel adapters (the code lives in inbox.adapters).

Mailboxes polled over IMAP and their cursor, the addresses the SMTP listener accepts, the
bearer tokens of the raw e-mail endpoint, provider webhook credentials, and every request
an adapter refused (kept, never processed).
"""
