"""``routecli analyze``: a team's own traffic logs in; what the traffic costs now, a scenario and a prompt sample out.

``records`` is the one row type every log format becomes; ``formats/`` holds one
reader per format (file side); ``analysis`` is the pure core that turns rows
into an ``Analysis`` result, which every renderer and writer reads.
"""

__all__: list[str] = []
