"""``./dev test --fast``: its marker expression names only markers pytest.ini declares.

A misspelled name in ``-m`` is no error (``--strict-markers`` checks decorators, not expressions): the lane would
silently run the slow tests too, or none.
"""

import re
from pathlib import Path

from django.conf import settings


def test_the_fast_lane_leaves_out_declared_markers_only(pytestconfig):
    dev = (Path(settings.BASE_DIR) / "dev").read_text()
    fast_branch = dev.split('if [[ "${1:-}" == --fast ]]; then', 1)[1].split("fi", 1)[0]
    expression = re.search(r'set -- -m "([^"]+)" "\$@"', fast_branch).group(1)
    names = set(re.findall(r"\w+", expression)) - {"not", "and", "or"}
    declared = {line.split(":", 1)[0].strip() for line in pytestconfig.getini("markers")}
    assert names == {"slow", "e2e", "worker"}
    assert names <= declared
