"""The two states credbot covers: names, agencies and help desks. The one source of these facts;
settings may override the help-desk addresses, and the widget reads them from /api/config."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StateInfo:
    code: str
    name: str
    agency: str
    help_email: str


STATES: dict[str, StateInfo] = {
    "OH": StateInfo("OH", "Ohio", "Ohio Department of Education", "industrycredentials@education.ohio.gov"),
    "IL": StateInfo("IL", "Illinois", "Illinois State Board of Education", "cte@isbe.net"),
}
STATE_NAMES: dict[str, str] = {code: info.name for code, info in STATES.items()}
DEFAULT_HELP_STATE = "OH"  # whose help desk answers when the state is unknown (CREDBOT_HELP_EMAIL_DEFAULT)


def default_help_emails() -> dict[str | None, str]:
    """Help-desk address by state code, None for "state unknown"."""
    emails: dict[str | None, str] = {code: info.help_email for code, info in STATES.items()}
    emails[None] = STATES[DEFAULT_HELP_STATE].help_email
    return emails


# Where each state's list of credentials is, in words an answer can use ("check ..."), for
# replies that cannot give a fact themselves.
CREDENTIAL_LISTS: dict[str, str] = {
    "OH": (
        "the Ohio Department of Education's list of industry-recognized credentials by career field "
        "(https://education.ohio.gov/Topics/Ohio-s-Graduation-Requirements/Contacts-and-Resources/"
        "Industry-Recognized-Credentials/Industry-Recognized-Credentials-by-Career-Field)"
    ),
    "IL": "the industry-recognized credentials list on ISBE's Career Technical Education webpage",
}
