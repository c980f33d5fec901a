"""Build credbot/knowledge/credentials.json from ../shared/data/credentials-facts-v2.json.

Keeps every fact as given: a null stays null (issuer, career field, description, points), no
state or point value is added, and each fact keeps the sources that back it, each marked
primary (the issuer, or an Ohio or Illinois agency page or rule), state-association (Ohio ACTE
reproducing the state's guidance) or secondary (news, colleges, other states, copies of documents),
with `field_support` saying which kind backs each field and `notes` (weaker facts, never shown
as facts). Quotes are kept as given (at most 200 characters each): they are the passage a
maintainer re-reads when confirming a secondary fact; the bot never shows them.

The only additions are ids, aliases (abbreviations taken from the names, plus the short names
people type, ALIASES below) and, for primary sources that are not the issuer's own site, the
publisher's name in plain words (PUBLISHERS below), so that an answer can say "from the Ohio
Department of Education" rather than a host name. Run: python tools/build_credentials.py
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# ../shared beside the repository (or beside the folder of worktrees that holds it).
FACTS = (
    next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()), ROOT.parent / "shared")
    / "data"
    / "credentials-facts-v2.json"
)
OUT = ROOT / "credbot" / "knowledge" / "credentials.json"

ALIASES = {
    "Ohio Driver License": ["driver's license", "drivers license", "driving license"],
    "ACT WorkKeys National Career Readiness Certificate (NCRC)": ["WorkKeys", "NCRC"],
    "ServSafe Food Handler": ["ServSafe", "food handler"],
    "ServSafe Food Protection Manager Certification": ["ServSafe Manager", "food protection manager"],
    "OSHA 10-Hour (Construction or General Industry)": ["OSHA 10", "OSHA-10", "OSHA 10 hour"],
    "OSHA 30-Hour (Construction or General Industry)": ["OSHA 30", "OSHA-30", "OSHA 30 hour"],
    "CPR / First Aid (e.g., AHA Heartsaver First Aid CPR AED)": ["CPR", "First Aid", "Heartsaver"],
    "EPA Section 608 Technician Certification (refrigerant recovery)": ["EPA 608", "refrigerant certification"],
    "HAZWOPER (Hazardous Waste Operations and Emergency Response)": ["HAZWOPER"],
    "Forklift Operator Certification": ["forklift"],
    "Emergency Medical Technician (EMT)": ["EMT"],
    "Emergency Medical Responder (EMR)": ["EMR"],
    "Firefighter Certification": ["firefighter"],
    "Emergency Medical Dispatch": ["EMD", "medical dispatcher"],
    "Private Security Certification": ["security guard"],
    "Certified Phlebotomy Technician (CPT)": ["phlebotomy", "phlebotomist"],
    "Veterinary Assistant credential": ["vet assistant"],
    "Certified Clinical Medical Assistant (CCMA)": ["medical assistant"],
    "Certified EKG Technician (CET)": ["EKG"],
    "MSSC Certified Logistics Associate / Certified Logistics Technician (CLA/CLT)": ["CLA", "CLT", "logistics"],
    "Microsoft Office Specialist (MOS)": ["MOS", "Microsoft Office"],
    "State Tested Nurse Aide (STNA)": ["STNA", "nurse aide"],
    "Certified Nursing Assistant (CNA) - Illinois": ["CNA", "nursing assistant"],
    "Certified Pharmacy Technician (CPhT) - PTCB": ["CPhT", "PTCB", "pharmacy technician"],
    "ExCPT Pharmacy Technician Certification": ["ExCPT"],
    "Basic Life Support (BLS) Provider": ["BLS"],
    "AWS Certified Welder (CW)": ["AWS welder", "certified welder"],
    "AWS SENSE Level I - Entry Welder": ["AWS SENSE", "SENSE welding"],
    "NIMS Machining Level I credentials": ["NIMS"],
    "NCCER Core Curriculum": ["NCCER", "NCCER Core"],
    "MSSC Certified Production Technician (CPT)": ["MSSC CPT", "Certified Production Technician"],
    "Certified Registered Central Service Technician (CRCST)": ["sterile processing technician", "sterile processing"],
    "PMMI Mechatronics Certificates": ["PMMI"],
    "Siemens Mechatronic Systems Certification (Level 1)": ["Siemens", "SMSCP"],
    "Amatrol skills certificates (industrial maintenance / mechatronics)": ["Amatrol"],
    "Snap-on / NC3 certifications": ["NC3", "Snap-on"],
    "ASE Entry-Level Certification": ["ASE Entry-Level", "ASE entry level"],
    "ASE Professional Certification (A1-A8 and others)": ["ASE"],
    "CompTIA A+": ["A+", "A plus", "CompTIA A plus"],
    "CompTIA Network+": ["Network+", "Network plus"],
    "CompTIA Security+": ["Security+", "Security plus"],
    "CompTIA Tech+ / IT Fundamentals (ITF+)": ["Tech+", "ITF+", "IT Fundamentals"],
    "Cisco Certified Network Associate (CCNA)": ["CCNA"],
    "Cisco Certified Support Technician (CCST) Networking": ["CCST Networking"],
    "Cisco Certified Support Technician (CCST) Cybersecurity": ["CCST Cybersecurity"],
    "IC3 Digital Literacy Certification": ["IC3"],
    "Adobe Certified Professional": ["Adobe"],
    "Autodesk Certified User (ACU)": ["Autodesk", "ACU"],
    "Entrepreneurship and Small Business (ESB)": ["ESB"],
    "QuickBooks Certified User": ["QuickBooks"],
    "NRF Foundation RISE Up credential": ["RISE Up", "NRF"],
    "Cosmetology License (Ohio)": ["cosmetology"],
}
# Abbreviations in parentheses that are too ambiguous to stand alone. ("CPT" is two credentials: the bot asks which.)
AMBIGUOUS = {"CW", "ACU", "Ohio", "Level 1", "Level I", "Illinois"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def aliases_for(name: str) -> list[str]:
    found = [a for a in re.findall(r"\(([A-Za-z0-9+/ -]{2,12})\)", name) if a not in AMBIGUOUS]
    for alias in ALIASES.get(name, []):
        if alias not in found:
            found.append(alias)
    return found


# Primary sources that are not the issuer's own site: who published them, in plain words, by the
# host of the page (or of the page an archive copied). Checked in order; the first match wins.
PUBLISHERS = [
    ("education.ohio.gov", "the Ohio Department of Education"),
    ("ems.ohio.gov", "the Ohio Division of EMS"),
    ("codes.ohio.gov", "the Ohio Administrative Code"),
    ("ocdp.ohio.gov", "the Ohio Chemical Dependency Professionals Board"),
    ("pisgs.ohio.gov", "Ohio's Private Investigator Security Guard Services unit"),
    ("transfercredit.ohio.gov", "the Ohio Department of Higher Education"),
    ("ohio.gov", "the State of Ohio"),
    ("dph.illinois.gov", "the Illinois Department of Public Health"),
    ("ides.illinois.gov", "the Illinois Department of Employment Security"),
    ("isbe.net", "the Illinois State Board of Education"),
    ("osha.gov", "OSHA"),
    ("epa.gov", "the U.S. EPA"),
    ("ohioacte.org", "Ohio ACTE's copy of the state's guidance"),
]
# The fields of a credential that are facts (v2 calls career_fields "career_field").
FIELD_NAMES = {"career_field": "career_fields"}
FACT_FIELDS = ("issuer", "career_fields", "states", "ohio_points", "description")


def original_host(url: str) -> str:
    """The host of the page itself: for an archive's copy, the host of the page it copied."""
    hosts = re.findall(r"https?://([^/:?#]+)", url)
    return hosts[-1].lower().rstrip(".") if hosts else ""


def publisher(source: dict) -> str | None:
    if source["type"] == "secondary":
        return None
    host = original_host(source["url"])
    return next((name for key, name in PUBLISHERS if host == key or host.endswith("." + key)), None)


def source_entry(source: dict) -> dict:
    entry = {
        "url": source["url"],
        "type": source["type"],
        "host": source["host"],
        "publisher": publisher(source),
        "supports": [FIELD_NAMES.get(f, f) for f in source["supports"]],
        "quote": source.get("quote"),
    }
    if source.get("page_date"):
        entry["page_date"] = source["page_date"]
    return {k: v for k, v in entry.items() if v is not None}


def build(facts: list[dict]) -> dict:
    credentials, seen = [], set()
    for fact in facts:
        cid = slug(re.sub(r"\(.*?\)", "", fact["name"]))[:48].strip("-")
        while cid in seen:
            cid += "-2"
        seen.add(cid)
        career = fact["career_field"] or ""
        fields = [f.strip() for f in re.sub(r"\s*\(.*?\)", "", career).split(";") if f.strip()]
        support = {FIELD_NAMES.get(k, k): v for k, v in fact["field_support"].items()}
        credentials.append(
            {
                "id": cid,
                "name": fact["name"],
                "aliases": aliases_for(fact["name"]),
                "issuer": fact["issuer"],
                "career_fields": fields,
                "states": fact["states"],
                "ohio_points": fact["ohio_points"],
                "description": fact["description"],
                "confidence": fact["confidence"],
                "field_support": {f: support[f] for f in FACT_FIELDS if f in support},
                "sources": [source_entry(s) for s in fact["sources"]],
                "notes": fact.get("notes"),
            }
        )
    return {
        "version": 2,
        "_source": "Built by tools/build_credentials.py from shared/data/credentials-facts-v2.json",
        "credentials": credentials,
    }


if __name__ == "__main__":
    facts = json.loads((Path(sys.argv[1]) if len(sys.argv) > 1 else FACTS).read_text(encoding="utf-8"))
    OUT.write_text(json.dumps(build(facts), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(facts)} credentials")
