"""Build credbot/knowledge/credentials.json from ../shared/data/credentials-facts.json.

Keeps every fact and source as given (null stays null, no state or point value is added).
The only additions are ids and aliases: abbreviations taken from the names, plus the short
names people type (listed in ALIASES below). Run: python tools/build_credentials.py
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT.parent / "shared" / "data" / "credentials-facts.json"
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
# Abbreviations in parentheses that are too ambiguous to stand alone.
AMBIGUOUS = {"CPT", "CW", "ACU", "Ohio", "Level 1", "Level I", "Illinois"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def aliases_for(name: str) -> list[str]:
    found = [a for a in re.findall(r"\(([A-Za-z0-9+/ -]{2,12})\)", name) if a not in AMBIGUOUS]
    for alias in ALIASES.get(name, []):
        if alias not in found:
            found.append(alias)
    return found


def build(facts: list[dict]) -> dict:
    credentials, seen = [], set()
    for fact in facts:
        cid = slug(re.sub(r"\(.*?\)", "", fact["name"]))[:48].strip("-")
        while cid in seen:
            cid += "-2"
        seen.add(cid)
        fields = [f.strip() for f in re.sub(r"\s*\(.*?\)", "", fact["career_field"]).split(";") if f.strip()]
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
                "sources": [s.strip() for s in fact["source"].split(" ; ") if s.strip()],
                "confidence": fact["confidence"],
            }
        )
    return {
        "version": 1,
        "_source": "Built by tools/build_credentials.py from shared/data/credentials-facts.json",
        "credentials": credentials,
    }


if __name__ == "__main__":
    facts = json.loads((Path(sys.argv[1]) if len(sys.argv) > 1 else FACTS).read_text(encoding="utf-8"))
    OUT.write_text(json.dumps(build(facts), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(facts)} credentials")
