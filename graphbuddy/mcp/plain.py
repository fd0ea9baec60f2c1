"""Library results as JSON-ready values for tool responses (dataclasses, tuples, datetimes, paths)."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from typing import Any


def plain(obj: Any) -> Any:
    if hasattr(obj, "as_dict") and callable(obj.as_dict):
        return plain(obj.as_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [plain(v) for v in obj]
    if isinstance(obj, (datetime, date)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    return obj
