"""Which language a profile is written in (py3langid, offline)."""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

#: Languages Klik tells apart; Dutch and English are the ones it explains in.
LANGUAGES = ("nl", "en", "de", "fr", "es", "it", "pt", "da", "sv", "pl", "fi", "el", "cs")


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text is too short to tell."""
    if len(text.split()) < 3:
        return None
    code, _probability = _identifier().classify(text)
    return str(code)
