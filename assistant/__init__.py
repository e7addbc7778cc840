"""Question answering over the Twente Board documents: ``Assistant.ask``."""
from common.config import Settings
from assistant.types import Answer, Citation, Passage


def __getattr__(name):
    # the facade imports the models' code; load it only when asked for
    if name == "Assistant":
        from assistant.core import Assistant

        return Assistant
    raise AttributeError(name)


__all__ = ["Answer", "Assistant", "Citation", "Passage", "Settings"]
