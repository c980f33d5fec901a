"""credbot: a conversational FAQ assistant about industry-recognized credentials (Ohio, Illinois).

Layers, each importing only those below it:

- channels (``credbot.channels``: web, Slack; ``credbot.cli``: the terminal) render Replies and
  talk to the conversation only;
- ``credbot.wiring`` builds the typed services once (the composition root);
- ``credbot.conversation``: the Bot, one entry point for every message;
- ``credbot.matching``, ``credbot.catalogue``, ``credbot.escalation``;
- ``credbot.knowledge``, ``credbot.text``, ``credbot.states``: data and pure functions.

Importing this package (or ``credbot.text`` / ``credbot.knowledge``) loads no scikit-learn.
"""

__version__ = "0.2.0"
