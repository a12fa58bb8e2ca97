"""Sample data for the lab's server: the unit's own service-request database and office files.

Deterministic (a fixed seed), so the server image's recipe hash only changes when this
module does. The same rows go to PostgreSQL and MariaDB; only the timestamp type differs.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

SEED = 1907  # the year of the first Druk Gyalpo; any fixed number does
DATABASE = "servicedesk"

GEWOGS = (
    "Barp",
    "Chhubu",
    "Dzomo",
    "Goenshari",
    "Guma",
    "Kabisa",
    "Lingmukha",
    "Shelnga-Bjemi",
    "Talo",
    "Toebesa",
    "Toewang",
)
CHANNELS = ("online form", "online form", "online form", "phone", "email", "fax")
CATEGORIES = (
    "network down",
    "slow internet",
    "wi-fi access",
    "new user account",
    "password reset",
    "printer",
    "pc repair",
    "os patching",
    "software install",
    "backup restore",
    "email",
    "website update",
)
ASSET_KINDS = (
    ("desktop", "Dell OptiPlex 3000"),
    ("laptop", "Lenovo ThinkPad E14"),
    ("printer", "HP LaserJet M404"),
    ("switch", "Cisco CBS250-24T"),
    ("router", "Cisco ISR 1111"),
    ("access point", "Ubiquiti U6-Lite"),
    ("ups", "APC Back-UPS 1100"),
    ("projector", "Epson EB-X06"),
)


def agencies() -> list[tuple[int, str, str, str]]:
    """(id, name, kind, gewog) of every agency the unit serves."""
    rows: list[tuple[str, str, str]] = [
        ("Dzongkhag Administration", "dzongkhag", "Guma"),
        ("Dzongkhag Court", "court", "Guma"),
        ("Dzongkhag Hospital", "hospital", "Guma"),
    ]
    for gewog in GEWOGS:
        rows += [
            (f"{gewog} Gewog Administration", "gewog", gewog),
            (f"{gewog} Primary School", "school", gewog),
            (f"{gewog} Basic Health Unit", "bhu", gewog),
        ]
    rows += [(f"{g} RNR Centre", "rnr", g) for g in GEWOGS[:5]]
    return [(i, name, kind, gewog) for i, (name, kind, gewog) in enumerate(rows, start=1)]


def requests(count: int = 600) -> list[tuple[object, ...]]:
    """Service requests over one year: (id, agency_id, channel, category, summary, status,
    received_at, resolved_at or None)."""
    rnd = random.Random(SEED)
    n_agencies = len(agencies())
    start = datetime(2025, 1, 1, 9, 0)
    rows: list[tuple[object, ...]] = []
    for i in range(1, count + 1):
        received = start + timedelta(minutes=rnd.randrange(0, 365 * 24 * 60))
        category = rnd.choice(CATEGORIES)
        status = rnd.choices(("closed", "open", "in progress"), weights=(85, 8, 7))[0]
        resolved = received + timedelta(hours=rnd.randrange(1, 240)) if status == "closed" else None
        rows.append(
            (
                i,
                rnd.randrange(1, n_agencies + 1),
                rnd.choice(CHANNELS),
                category,
                f"{category} reported",
                status,
                received,
                resolved,
            )
        )
    return rows


def assets(count: int = 300) -> list[tuple[object, ...]]:
    """ICT assets: (id, tag, kind, model, serial, agency_id, purchased, status)."""
    rnd = random.Random(SEED + 1)
    n_agencies = len(agencies())
    rows: list[tuple[object, ...]] = []
    for i in range(1, count + 1):
        kind, model = rnd.choice(ASSET_KINDS)
        purchased = date(2016, 1, 1) + timedelta(days=rnd.randrange(0, 9 * 365))
        status = rnd.choices(("in use", "in store", "repair", "disposed"), weights=(80, 8, 6, 6))[0]
        rows.append(
            (
                i,
                f"DZ-{i:05d}",
                kind,
                model,
                f"SN{rnd.randrange(10**8, 10**9)}",
                rnd.randrange(1, n_agencies + 1),
                purchased,
                status,
            )
        )
    return rows


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f"'{value:%Y-%m-%d %H:%M:%S}'"
    return "'" + str(value).replace("'", "''") + "'"


def _insert(table: str, rows: list[tuple[object, ...]]) -> str:
    values = ",\n".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)
    return f"INSERT INTO {table} VALUES\n{values};\n"


def schema_and_rows(dialect: str) -> str:
    """SQL creating and filling the three tables, for ``postgresql`` or ``mariadb``."""
    ts = {"postgresql": "TIMESTAMP", "mariadb": "DATETIME"}[dialect]
    return "\n".join(
        [
            "CREATE TABLE agencies (id INTEGER PRIMARY KEY, name VARCHAR(120) NOT NULL,"
            " kind VARCHAR(20) NOT NULL, gewog VARCHAR(40) NOT NULL);",
            "CREATE TABLE requests (id INTEGER PRIMARY KEY,"
            " agency_id INTEGER NOT NULL REFERENCES agencies(id), channel VARCHAR(20) NOT NULL,"
            " category VARCHAR(40) NOT NULL, summary VARCHAR(200) NOT NULL,"
            f" status VARCHAR(20) NOT NULL, received_at {ts} NOT NULL, resolved_at {ts} NULL);",
            "CREATE TABLE assets (id INTEGER PRIMARY KEY, tag VARCHAR(20) NOT NULL UNIQUE,"
            " kind VARCHAR(20) NOT NULL, model VARCHAR(80) NOT NULL, serial VARCHAR(20) NOT NULL,"
            " agency_id INTEGER NOT NULL REFERENCES agencies(id), purchased DATE NOT NULL,"
            " status VARCHAR(20) NOT NULL);",
            _insert("agencies", list(agencies())),
            _insert("requests", requests()),
            _insert("assets", assets()),
        ]
    )


def write_office_files(root: Path) -> int:
    """Write the office file tree (one folder per agency) under ``root``; return the file count."""
    rnd = random.Random(SEED + 2)
    count = 0
    for _id, name, kind, gewog in agencies():
        folder = root / name.lower().replace(" ", "-")
        for sub in ("correspondence", "reports", "budget"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        for n in range(rnd.randrange(3, 8)):
            text = (
                f"{name}\n{gewog} Gewog\n\nLetter {n + 1} to the Dzongkhag ICT Services Unit"
                f" about {rnd.choice(CATEGORIES)}.\n"
            )
            (folder / "correspondence" / f"letter-{n + 1:03d}.txt").write_text(text)
            count += 1
        (folder / "reports" / "annual-report-2025.txt").write_text(
            f"Annual report 2025 of the {name} ({kind}).\n" + "Activities.\n" * rnd.randrange(5, 50)
        )
        lines = ["item,amount_nu"] + [f"{c},{rnd.randrange(1000, 500000)}" for c in CATEGORIES[:6]]
        (folder / "budget" / "ict-budget-2025.csv").write_text("\n".join(lines) + "\n")
        count += 2
    return count
