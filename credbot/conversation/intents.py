"""Conversational turns: greetings, thanks, yes/no, "more", naming the state, picking a choice.

Each is a whole-message pattern over the normalised text (see credbot.text.normalise)."""

from __future__ import annotations

import re


def _whole(pattern: str) -> re.Pattern[str]:
    return re.compile(r"^(?:" + pattern + r")$")


GREETING = _whole(r"(hi|hello|hey|hiya|howdy|good (morning|afternoon|evening)|greetings)( there)?( bot)?")
THANKS = _whole(
    r"(thanks?|thank you|thx|ty|cheers|great thanks|ok thanks|thanks a lot|thank you so much|much appreciated)"
    r"( so much)?( for (the|your) help)?"
)
BYE = _whole(r"(bye|goodbye|good bye|see you|see ya|that s all|thats all|done|nothing else)( for now)?( thanks?)?")
HELP = _whole(r"(help|menu|what can you do|what do you know|what can i ask|how does this work|options|commands)")
WHO = _whole(r"(who are you|what are you|are you a (bot|robot|human|person|real person)|who is this|what is this)")
HUMAN = re.compile(
    r"\b(talk|speak|chat|connect me) (to|with) (a |an |the )?"
    r"(human|person|someone|somebody|agent|staff|real person|help desk)\b"
    r"|\b(human|agent|help desk|helpdesk|contact support|real person|escalate)\b"
)
YES = _whole(r"(yes|yeah|yep|yup|sure|ok|okay|please|yes please|please do|do it|send it|yes send it|go ahead|y)")
NO = _whole(r"(no|nope|nah|no thanks|no thank you|not now|cancel|never mind|nevermind|n)")
MORE = _whole(r"(more|show more|next|next page|see more|and more|keep going|the rest|show me more|more please)")
STATE_ONLY = _whole(
    r"((i|we|i m|im|we re|were|i am|we are|i live|we live|i work|we work) (in|from) )?(the state of )?"
    r"(ohio|illinois|oh|il)"
)
WHAT_ABOUT = re.compile(r"^(what|how) about (in )?|^and (in )?|^(same|what) for (in )?|^in ")
ORDINALS = {"1": 0, "first": 0, "one": 0, "2": 1, "second": 1, "two": 1, "3": 2, "third": 2, "three": 2}


def choice_index(normalised: str, count: int) -> int | None:
    """Which of ``count`` numbered options a reply picks ("2", "the second one", "last"), if any."""
    for word in normalised.split():
        if word in ORDINALS and ORDINALS[word] < count:
            return ORDINALS[word]
    if normalised in ("last", "the last one", "last one"):
        return count - 1
    return None
