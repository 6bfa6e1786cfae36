"""The tamper-evident audit log: security events, their hash chain, and the pages that show them.

Record events with ``stockade.audit.services.record_event`` inside the transaction of the action
they describe; see docs/audit.md.
"""
