"""Shared by the call read models: how each call event changes a call's state.

Not a read model itself: ``call_queue`` and ``call_detail`` both fold call events with
:func:`state.evolve`, so they always agree on a call's status, step and team.
"""
