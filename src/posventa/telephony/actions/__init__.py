"""State changes of calls. Import the modules: `from posventa.telephony.actions import calls`.

calls        events in (raw first, then folded into the call), the stale-call timeout,
             calls logged by hand, a call attached to a case or opening one
cdr_import   Asterisk Master.csv files, streamed in chunks
"""
