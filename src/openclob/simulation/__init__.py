"""Simulated traders: a hidden fair value, market makers, takers and informed traders on a market.

`model` (the fair value) and `strategies` (what each kind of trader wants to do) are pure and deterministic:
no I/O, no clock, randomness only from generators seeded by the caller. `runner` turns their decisions into
the exchange's commands on the exchange clock; `manager` starts, lists and stops simulations for the admin API.
"""
