"""Checks tests/grammar.json against pydantic itself.

The same table drives the emulator's grammar test (src/query.rs, `cargo test`); here every row
is validated by pydantic v2 with the types the live API declares for its query parameters
(`start_datetime: datetime | None`, `start_date: datetime | date | None`, `latest: bool | None`),
and the verdict, the value (its `isoformat()`) or the errors (type, location, message) must be
the row's. Exit status 1 on any difference, naming the row.
"""

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Optional, Union

import pydantic
from pydantic import TypeAdapter, ValidationError

TYPES = {
    "start_datetime": TypeAdapter(Optional[datetime]),
    "end_datetime": TypeAdapter(Optional[datetime]),
    "start_date": TypeAdapter(Optional[Union[datetime, date]]),
    "end_date": TypeAdapter(Optional[Union[datetime, date]]),
    "latest": TypeAdapter(Optional[bool]),
}


def verdict(param, text):
    try:
        value = TYPES[param].validate_python(text)
    except ValidationError as error:
        return {
            "errors": [
                {"type": e["type"], "loc": ["query", param] + [str(part) for part in e["loc"]], "msg": e["msg"]}
                for e in error.errors(include_url=False)
            ]
        }
    return {"value": value.isoformat() if hasattr(value, "isoformat") else repr(value)}


def main():
    table = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "tests" / "grammar.json")
    rows = json.loads(table.read_text())
    failures = 0
    for row in rows:
        want = {k: row[k] for k in ("value", "errors") if k in row}
        got = verdict(row["param"], row["input"])
        if got != want:
            failures += 1
            print(f"MISMATCH {row['param']}={row['input']!r}\n  table:    {want}\n  pydantic: {got}")
    print(f"pydantic {pydantic.VERSION}: {len(rows) - failures} of {len(rows)} rows agree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
