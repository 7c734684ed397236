"""The demo dealer group, and the commands that bring the whole product up (`demo`, `run`).

This app sits above every other one: it composes them (its data goes through each app's
actions, `run` serves the web, the worker and the sweeper together), so no app imports it.
Start with `posventa.demo.loader`.
"""
