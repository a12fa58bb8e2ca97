"""What each platform's NAPALM driver accepts when committing."""

from __future__ import annotations

import math
from typing import Any

#: NAPALM's IOS driver takes revert_in in whole minutes, 1 to 120 (it needs `archive`), and
#: refuses a commit message.
IOS_REVERT_MIN = 60
IOS_REVERT_MAX = 7200


def commit_args(platform: str | None, message: str, revert_in: int) -> dict[str, Any]:
    """Keyword arguments of ``commit_config`` for ``platform``: commit-confirm where it exists."""
    if platform == "ios":
        minutes = math.ceil(revert_in / 60) * 60
        return {"revert_in": min(max(minutes, IOS_REVERT_MIN), IOS_REVERT_MAX)}
    return {"message": message, "revert_in": revert_in}
