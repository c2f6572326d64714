"""Cross-organization reporting: call volumes and cycle times over all consenting tenants.

What it keeps, and what it never keeps, is set out in ``model.py``; how the numbers are
aggregated, filtered by consent and suppressed is in ``queries.py``.
"""
