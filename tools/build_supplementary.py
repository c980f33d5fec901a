"""The source of knowledge/supplementary.json: 15 entries written in our own words from
../shared/data/credentials-notes.md, each with its source addresses, the date the source gives
and a review-by date. Edit here or in the JSON directly; run `credbot validate` afterwards.
Run: python tools/build_supplementary.py"""

import json
from pathlib import Path

ODE = "Ohio Department of Education (now Education and Workforce)"
OHM = "industrycredentials@education.ohio.gov"
ILM = "cte@isbe.net"
E = []


def add(id, state, q, a, alts, kw, agency, title, urls, last_modified=None, dated=None, review_by="2027-06-30"):
    src = {"agency": agency, "title": title, "last_modified": last_modified, "urls": urls}
    if dated:
        src["dated"] = dated
    E.append(
        {
            "id": id,
            "state": state,
            "official": False,
            "question": q,
            "answer": a,
            "alternates": alts,
            "keywords": kw,
            "source": src,
            "help_email": OHM if state == "OH" else ILM,
            "review_by": review_by,
        }
    )


add(
    "oh-sup-graduation-points",
    "OH",
    "How many credential points does a student need to graduate in Ohio?",
    "It depends on the graduating class.\n\n"
    'Classes of 2018 to 2022: one of three graduation pathways was to earn 12 points of industry-recognized credentials and reach a WorkKeys "workforce readiness" score (13 at first, 14 for the class of 2020 and later).\n\n'
    'Class of 2023 and later: credentials are one way among several. Students show competency with two career-focused demonstrations, at least one of them "foundational". A 12-point credential, or a 12-point bundle in one career field, is a foundational option (others are proficient scores on 3 or more WebXams in one pathway, or a pre-apprenticeship or apprenticeship acceptance). Students also need two diploma seals, at least one of them defined by the state.\n\n'
    "Your school counselor can tell you which rules apply to your student.",
    [
        "How many points of credentials are needed for an Ohio diploma?",
        "Can industry credentials help my child graduate in Ohio?",
        "What is the credential pathway to graduation?",
        "Does a student need 12 credential points to graduate?",
        "How do credentials count toward Ohio graduation requirements?",
        "What changed in the graduation rules for the class of 2023?",
        "Is earning credentials a way to graduate without passing every state test?",
        "What are the graduation options that use industry credentials?",
    ],
    [
        "graduate",
        "graduation",
        "diploma",
        "12 points",
        "pathway",
        "class of",
        "requirements",
        "foundational",
        "webxam",
        "competency",
    ],
    ODE,
    "Industry-Recognized Credentials and WorkKeys; graduation requirements (class of 2023 and later, as summarised by a school)",
    [
        "http://education.ohio.gov/Topics/Ohio-s-Graduation-Requirements/Industry-Recognized-Credentials-and-WorkKeys",
        "https://sites.google.com/view/ohvadestinations/other-cte-information/graduation-requirements-and-cte",
    ],
    dated="pages undated",
)
add(
    "oh-sup-bundling",
    "OH",
    "Can credentials from different career fields be combined to reach 12 points in Ohio?",
    "No. In Ohio, credentials can be added together to reach 12 points only within one career field. The Department's example of a bundle that would not count is a Taser certification plus IT certifications plus ServSafe: together they have no coherent use in the workforce.",
    [
        "Can my child mix credentials from two career fields?",
        "Do points from different fields add up?",
        "What are the rules for bundling credentials?",
        "Can I combine a health credential with an IT credential for points?",
        "Does a bundle of unrelated credentials count?",
        "Must all 12 points come from the same career field?",
        "How do credential bundles work in Ohio?",
        "Why doesn't my student's credential bundle count?",
    ],
    ["bundle", "bundling", "combine", "mix", "different fields", "same field", "career field", "add up", "12 points"],
    ODE,
    "Industry-Recognized Credentials by Career Field",
    [
        "https://education.ohio.gov/Topics/Ohio-s-Graduation-Requirements/Contacts-and-Resources/Industry-Recognized-Credentials/Industry-Recognized-Credentials-by-Career-Field"
    ],
    last_modified="2024-07-16",
)
add(
    "oh-sup-who-pays",
    "OH",
    "Who pays for a student's industry credential in Ohio?",
    "Under Ohio's budget law HB 166 (133rd General Assembly) and later budgets, schools must pay for a student's industry-recognized credential, and the Department reimburses the school once the credential is reported. Schools must also tell students in related career-tech courses about the chance to earn credentials.\n\n"
    "Ask your school how this works for the credential your student is working toward.",
    [
        "Does my family have to pay for the credential exam in Ohio?",
        "Is the credential test free for Ohio students?",
        "Who covers the cost of certifications at school?",
        "Do Ohio schools pay for industry credentials?",
        "Will the state reimburse the credential cost?",
        "What does a credential cost a student in Ohio?",
        "Are students charged for credential exams?",
        "Who pays the exam fee for an IRC?",
    ],
    ["cost", "pay", "paid", "fee", "free", "reimburse", "reimbursed", "exam fee", "price"],
    "Ohio law (HB 166) as summarised by unlockyourfuture.org",
    "Industry-recognized credential funding",
    ["https://www.unlockyourfuture.org/copy-of-industry-recognized-credential"],
    dated="page undated",
)
add(
    "oh-sup-irc-seal",
    "OH",
    "What does the Industry-Recognized Credential Seal on a diploma mean?",
    "The Industry-Recognized Credential Seal is one of Ohio's state-defined diploma seals (Ohio Revised Code 3313.6114(C)(1)). A student earns it in one of three ways:\n"
    "- a credential worth 12 points;\n- credentials totaling 12 points in a single career field; or\n- a state-issued license for a job that requires an exam.",
    [
        "How does a student earn the credential seal?",
        "What are the requirements for the IRC diploma seal?",
        "Is there a graduation seal for industry credentials?",
        "Does a state license count toward the credential seal?",
        "Which seal do industry credentials earn?",
        "What do you need for the Industry-Recognized Credential Seal?",
        "Can a 12-point credential earn a diploma seal?",
        "Tell me about the credential graduation seal",
    ],
    ["seal", "diploma seal", "graduation seal", "irc seal", "3313.6114", "state license", "12 points"],
    ODE,
    "Industry-Recognized Credential Seal",
    [
        "https://education.ohio.gov/Topics/Ohio-s-Graduation-Requirements/Ohio%E2%80%99s-Graduation-Requirements/Graduation-Seals/Industry-Recognized-Credential-Seal"
    ],
    dated="page undated",
)
add(
    "oh-sup-workkeys",
    "OH",
    "What WorkKeys score does an Ohio student need?",
    "It has changed over time.\n\n"
    'For the classes of 2018 to 2022 credential pathway, the WorkKeys "workforce readiness" score was 13 at first, then 14 for the class of 2020 and later.\n\n'
    "From the 2024-2025 school year, Ohio sets the readiness score at the Silver National Career Readiness Certificate: at least level 4 on each of Applied Math, Graphic Literacy and Workplace Documents.\n\n"
    'For students graduating in 2023 or later, the WorkKeys readiness score is a "supporting" way to show competency, not a requirement on its own.',
    [
        "What WorkKeys level is required in Ohio?",
        "What score do you need on WorkKeys?",
        "Does my child need a Silver certificate on WorkKeys?",
        "Which WorkKeys tests count for Ohio?",
        "What is the WorkKeys workforce readiness score?",
        "How is WorkKeys used for graduation?",
        "Is the WorkKeys requirement 13 or 14?",
        "What is the NCRC level needed for graduation?",
    ],
    [
        "workkeys",
        "score",
        "ncrc",
        "silver",
        "applied math",
        "graphic literacy",
        "workplace documents",
        "readiness",
        "act",
    ],
    ODE,
    "Industry-Recognized Credentials and WorkKeys; Competency-Based Diploma pilot resources",
    [
        "http://education.ohio.gov/Topics/Ohio-s-Graduation-Requirements/Industry-Recognized-Credentials-and-WorkKeys",
        "https://education.ohio.gov/Topics/Testing/Ohio-Options-for-Adult-Diploma/Competency-Based-Diploma-Pilot-Program/Competency-Based-Diploma-Pilot-Program-Resources",
    ],
    dated="pages undated; the Silver rule applies from 2024-2025",
)
add(
    "oh-sup-omj-seal",
    "OH",
    "What does a student need for the OhioMeansJobs-Readiness Seal?",
    "The OhioMeansJobs-Readiness Seal is a state-defined diploma seal (Ohio Revised Code 3313.6112). The student works with at least three mentors, who confirm each professional skill, and each skill must be shown in at least two of three settings: school, work and community. The skills include being drug-free, reliability, work ethic, punctuality, discipline, teamwork, professionalism, learning agility, critical thinking, leadership, creativity, oral and written communication, technology, global and intercultural fluency, and career management.\n\n"
    "Sources disagree on the number of skills: the Department's guidelines page says 14, while SuccessBound and others list 15. Check the current guidelines with your school. The seal is shown on the transcript and diploma.",
    [
        "How does a student earn the OhioMeansJobs seal?",
        "How many mentors are needed for the readiness seal?",
        "What skills are on the OhioMeansJobs-Readiness Seal?",
        "What is the OMJ readiness seal?",
        "Does the readiness seal go on the diploma?",
        "Who signs off on the OhioMeansJobs seal?",
        "Is the readiness seal 14 skills or 15?",
        "Tell me about the OhioMeansJobs Readiness seal",
    ],
    [
        "ohiomeansjobs",
        "ohio means jobs",
        "omj",
        "readiness seal",
        "mentors",
        "skills",
        "3313.6112",
        "professional skills",
    ],
    ODE,
    "OhioMeansJobs-Readiness Seal; SuccessBound",
    [
        "https://education.ohio.gov/Topics/Ohio-s-Graduation-Requirements/Ohio%E2%80%99s-Graduation-Requirements/Graduation-Seals/OhioMeansJobs-Readiness-Seal",
        "https://www.successbound.ohio.gov/Ohio-Means-Jobs-Readiness-Seal",
    ],
    dated="pages undated",
)
add(
    "oh-sup-point-values",
    "OH",
    "How are credential point values set in Ohio?",
    "Several factors count, starting with an industry survey: employers rate each credential as showing only foundational skills, nice to have, preferred, or required for employment. A committee then reviews the results and sets the point value.\n\n"
    "Ohio's full list with each credential's points is a spreadsheet on the Department's website; credbot does not have it. The only point value in our sources is the Ohio driver's license, worth 1 point.",
    [
        "Who sets the point values for credentials?",
        "Why are some credentials worth more points?",
        "How are credential points determined?",
        "What makes a credential worth 12 points?",
        "How does the state value a credential?",
        "Where do credential point values come from?",
        "What is the point value determination process?",
        "Do employers decide how many points a credential gets?",
    ],
    ["point value", "points", "worth", "determine", "survey", "committee", "employers", "rating"],
    ODE,
    "Process for adding new industry-recognized credentials (Point Value Determination)",
    [
        "https://education.ohio.gov/Topics/Ohio-s-Graduation-Requirements/Contacts-and-Resources/Industry-Recognized-Credentials/Process-for-adding-new-industry-recognized-credent"
    ],
    dated="2016 and 2019 versions of the page",
)
add(
    "oh-sup-add-credential",
    "OH",
    "How do new credentials get onto Ohio's list?",
    'There are two ways. A credential can be tied to Ohio\'s In-Demand Occupations (now the "Top Jobs List" of in-demand and critical jobs), or anyone can nominate it through a yearly application, which is a survey. A nominated credential must show "significant and ongoing demand". Past deadlines were December 31 (2016, 2018) and December 15 (2019); check the Department\'s page for the current one.',
    [
        "Can I nominate a credential for Ohio's list?",
        "What is the process to add an IRC in Ohio?",
        "How do new credentials get approved in Ohio?",
        "Is there an application to put a credential on the Ohio list?",
        "When is the deadline to submit a credential in Ohio?",
        "How are credentials chosen for Ohio's list?",
        "Can a company propose its certification to Ohio?",
        "What is the Top Jobs List connection to credentials?",
    ],
    ["add", "nominate", "nomination", "application", "approve", "process", "deadline", "top jobs", "in-demand"],
    ODE,
    "Process for adding new industry-recognized credentials",
    [
        "https://education.ohio.gov/Topics/Ohio-s-Graduation-Requirements/Contacts-and-Resources/Industry-Recognized-Credentials/Process-for-adding-new-industry-recognized-credent"
    ],
    dated="2016 and 2019 versions of the page",
)
add(
    "oh-sup-iwip",
    "OH",
    "What does Ohio's Innovative Workforce Incentive Program pay schools?",
    "The Innovative Workforce Incentive Program (IWIP) pays Ohio schools for each qualifying credential their students earn in priority fields.\n\n"
    "The first version (HB 166, fiscal years 2020 and 2021) had about $17 million a year, of which $12.5 million a year paid $1,250 per qualifying credential; the rest funded implementation grants. The next budget (HB 110) kept $1,250 per credential.\n\n"
    "The current version has $16 million in each of fiscal years 2026 and 2027 and pays $725 per qualifying credential, reduced proportionally if the money runs short. The list of qualifying credentials is published each year.",
    [
        "How much does Ohio pay schools per credential?",
        "What is IWIP?",
        "Do schools get money when students earn credentials?",
        "What is the workforce incentive payment per credential?",
        "Which credentials qualify for the incentive program?",
        "Is the incentive still $1,250?",
        "How is the Innovative Workforce Incentive Program funded?",
        "What are implementation grants for credential programs?",
    ],
    ["iwip", "incentive", "innovative workforce", "payment", "$725", "$1,250", "funding", "grant", "qualifying"],
    ODE,
    "Innovative Workforce Incentive Program",
    [
        "https://education.ohio.gov/Topics/Ohio-s-Graduation-Requirements/Contacts-and-Resources/Industry-Recognized-Credentials/Innovative-Workforce-Incentive-Program",
        "http://education.ohio.gov/Topics/Ohio-s-Graduation-Requirements/Industry-Recognized-Credentials/Innovative-Workforce-Incentive-Program",
    ],
    dated="2025 version of the page (current figures for fiscal years 2026-2027)",
    review_by="2027-06-30",
)
add(
    "oh-sup-driver-license",
    "OH",
    "Is the Ohio driver's license an industry-recognized credential?",
    "Yes. Since the 2022-2023 credential list, Ohio lists the state driver's license in every career field, worth 1 point, so it can be combined with other credentials in any one field (Ohio Revised Code 3301.17 and 3313.6113, in effect since March 23, 2022). A driver-education course offered by a district can also earn half a unit of elective credit.",
    [
        "Can a student's driver's license count toward credential points?",
        "Is the driver's license an IRC?",
        "How many points is a driver's license worth?",
        "Which career field is the driver's license in?",
        "Does driver's ed give any credit?",
        "Since when does the driver's license count?",
        "Can my kid combine a driver's license with other credentials?",
        "Is a driving license worth a credential point?",
    ],
    [
        "driver's license",
        "drivers license",
        "driver license",
        "driving",
        "driver education",
        "1 point",
        "all career fields",
    ],
    "Ohio ACTE",
    "News: driver's license as an industry-recognized credential",
    ["http://www.ohioacte.org/news"],
    dated="page undated; the law took effect March 23, 2022",
)
add(
    "oh-sup-career-fields",
    "OH",
    "What career fields does Ohio's credential list use?",
    "Ohio's list is organized in 13 career fields: Agriculture/Environmental Systems; Arts and Communications; Business, Marketing, and Finance; Construction; Education and Training; Engineering; Health; Hospitality and Tourism; Human Services; Information Technology; Law and Public Safety; Manufacturing; Transportation.\n\n"
    "In July 2017 Ohio added 49 credentials, bringing the list to more than 250. The full list, with each credential's points, is a spreadsheet on the Department's page.",
    [
        "How many career fields are on Ohio's credential list?",
        "Which fields do Ohio credentials fall under?",
        "What are the 13 career fields?",
        "How long is Ohio's list of credentials?",
        "Is Education and Training a credential career field?",
        "How is Ohio's credential list organized?",
        "Where is Ohio's full credential spreadsheet?",
        "How big is Ohio's list of industry credentials?",
    ],
    ["career fields", "13", "fields", "categories", "organized", "spreadsheet", "how many credentials", "250"],
    ODE,
    "Industry-Recognized Credentials by Career Field; AP report on the 2017 additions",
    [
        "https://education.ohio.gov/Topics/Ohio-s-Graduation-Requirements/Contacts-and-Resources/Industry-Recognized-Credentials/Industry-Recognized-Credentials-by-Career-Field",
        "http://wane.com/2017/07/19/ohio-expands-list-of-work-credentials-that-students-can-earn/",
    ],
    last_modified="2024-07-16",
)
add(
    "il-sup-ccri",
    "IL",
    "What role do industry credentials play in Illinois's College and Career Readiness Indicator?",
    'Earning an industry credential is one of the "career-ready indicators" in Illinois\'s College and Career Readiness Indicator (CCRI), next to others such as 12 months of employment or consecutive summer employment.\n\n'
    'The CCRI has two distinctions. "College and Career Ready": a cumulative GPA of at least 2.8, 95% attendance in junior and senior years, and either a College and Career Pathway Endorsement, or the academic and career-ready indicators plus a career area of interest (a district table asks for 3 career-ready indicators, a career area of interest by grade 10, and one English and one math academic indicator). "Distinguished Scholar": GPA of at least 3.75, the same attendance, an SAT of 1400 (earlier ACT 30), plus the academic and career-ready indicators.',
    [
        "Does a credential count for the CCRI?",
        "What are the career-ready indicators in Illinois?",
        "What is the College and Career Ready distinction?",
        "How does an industry credential help with Illinois's readiness indicator?",
        "What GPA is needed for College and Career Ready?",
        "What is the Distinguished Scholar distinction?",
        "How is CCRI measured?",
        "Which indicators show a student is career ready?",
    ],
    [
        "ccri",
        "college and career readiness indicator",
        "career-ready indicator",
        "distinction",
        "gpa",
        "attendance",
        "distinguished scholar",
        "college and career ready",
    ],
    "McDonough Voice (ISBE webinar report); Lincoln-Way District 210; Infinite Campus",
    "College and Career Readiness Indicator",
    [
        "https://www.mcdonoughvoice.com/story/news/education/2020/11/24/isbe-holds-college-and-career-readiness-webinar-students/6409533002/",
        "http://www.lw210.org/o/lw-210/page/college-career-readiness-24",
        "https://kb.infinitecampus.com/help/ccri-illinois",
    ],
    last_modified="2020-11-24",
    dated="November 24, 2020 and later pages",
)
add(
    "il-sup-ccpe",
    "IL",
    "What is a College and Career Pathway Endorsement in Illinois?",
    "College and Career Pathway Endorsements were created by Illinois's 2016 Postsecondary and Workforce Readiness Act. To earn one, a student needs an individualized plan, a two-year career-focused sequence of courses that includes at least 6 hours of early college credit, professional or work-based learning, and academic readiness.\n\n"
    "Under Public Act 102-0917 (HB 3296, 2022), districts must either offer endorsements or formally opt out; the source gives July 1, 2025 as the deadline for the district plan.",
    [
        "What does a student need for a pathway endorsement?",
        "Must every Illinois district offer endorsements?",
        "What is the CCPE?",
        "How many early college credit hours does the endorsement require?",
        "What law created the pathway endorsements?",
        "Can a district opt out of pathway endorsements?",
        "Tell me about College and Career Pathway Endorsements",
        "What are the endorsement requirements in Illinois?",
    ],
    [
        "endorsement",
        "ccpe",
        "pathway endorsement",
        "pwr act",
        "postsecondary and workforce readiness",
        "opt out",
        "early college credit",
    ],
    "Illinois State Board of Education; PWR Act resources",
    "College and Career Pathway Endorsements",
    ["https://www.isbe.net/pathwayendorsements", "http://pwract.org/ccpe/"],
    dated="pages undated; law of 2022",
)
add(
    "il-sup-who-issues",
    "IL",
    "Which credentials count as industry credentials in Illinois's career pathways definitions?",
    "The Illinois Career Pathways Dictionary, written together with the College and Career Readiness Indicator, says an industry credential must verify competence through a valid assessment, be issued by an industry organization or a state licensing body, and be broadly sought or accepted by employers.\n\n"
    "A credential issued by a college or other postsecondary provider is not an industry credential under this definition, although the coursework may count as a dual-credit career pathway course. A student who is eligible for a license once they have their diploma still counts.",
    [
        "Does a community college certificate count as an industry credential?",
        "Who has to issue a credential for Illinois to count it?",
        "Does a credential need an assessment to count in Illinois?",
        "Is a state licensing board credential an industry credential?",
        "What does the Career Pathways Dictionary say about credentials?",
        "Do college-issued certificates count for CCRI?",
        "What makes a credential count for Illinois's readiness indicator?",
        "Can a student count a license they'll get after graduating?",
    ],
    [
        "career pathways dictionary",
        "postsecondary",
        "college certificate",
        "licensing body",
        "valid assessment",
        "issued by",
        "dual credit",
    ],
    "Illinois Career Pathways Dictionary",
    "Glossary: industry credential",
    ["https://pathwaysdictionary.org/glossary/industry-credential/"],
    dated="page undated",
)
add(
    "il-sup-list-areas",
    "IL",
    "What career areas does ISBE's credential list cover?",
    "ISBE's Career and Technical Education page posts a PDF list of recommended industry-recognized credentials that students can earn during or right after high school. It has tabs by career area: Information Technology; Health Sciences Technology; Finance and Business Services; Arts & Communication; Agriculture, Foods and Natural Resources; Manufacturing, Engineering, Technology and Trades; Human and Public Services (a regional copy also mentions a tab for credentials that apply across areas).\n\n"
    "The list is meant to be flexible and updated over time. ISBE invites feedback from industry representatives, but asks sellers or providers of credentials not to use the feedback form.",
    [
        "What tabs are on the ISBE credential list?",
        "Is the Illinois credential list recommended or required?",
        "Which career areas are on Illinois's list?",
        "Can industry give feedback on ISBE's credential list?",
        "How is the ISBE list organized?",
        "Does the ISBE list have a health section?",
        "Is the Illinois list updated?",
        "What kinds of credentials are on ISBE's recommended list?",
    ],
    ["tabs", "career areas", "recommended", "feedback", "pdf", "sections", "organized", "updated"],
    "Illinois State Board of Education; MACS partnership",
    "Career and Technical Education: industry-recognized credentials list",
    ["https://www.isbe.net:443/cte", "https://macspartnership.com/student-industry-credentials"],
    dated="pages undated",
)
json.dump(
    {
        "version": 1,
        "_comment": "Supplementary entries written in credbot's own words from ../shared/data/credentials-notes.md. Not part of the official FAQs: answers say so and name their sources. review_by: when to check the sources again.",
        "entries": E,
    },
    open(Path(__file__).resolve().parent.parent / "credbot" / "knowledge" / "supplementary.json", "w"),
    indent=2,
    ensure_ascii=False,
)
print(len(E))
