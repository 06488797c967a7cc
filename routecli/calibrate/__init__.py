"""``routecli calibrate``: what a replay measured, written back as a scenario a forecast can read.

``rates`` (intervals), ``measure`` (decision logs to measurements) and
``scenario_text`` (measurements to a commented scenario) are pure;
``files`` reads the logs and writes the scenario.
"""

__all__: list[str] = []
