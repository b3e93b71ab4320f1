"""The infrastructure the services share, and nothing else.

Business rules never live here: each service keeps its own in ``domain.py``.
"""
