"""Personalisation tokens such as ``{{client.first_name}}``: checked when saved, filled when assigned."""

import re
from collections.abc import Iterator, Mapping
from copy import deepcopy
from typing import Any

TOKEN = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
KNOWN_TOKENS = ("client.first_name", "therapist.name", "clinic.name")
# What a token becomes when the assignment does not know the value: wording that still reads well.
FALLBACKS = {"client.first_name": "there", "therapist.name": "your therapist", "clinic.name": "your clinic"}
# Text that is data, not prose: never personalised.
NOT_PROSE = {"id", "type", "value", "item_id", "operator", "url", "kind", "item_ids", "measure", "method"}


def unknown_tokens(text: str) -> list[str]:
    return [name for name in TOKEN.findall(text) if name not in KNOWN_TOKENS]


def token_errors(content: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every unknown token in the content's texts, with where it is."""
    for where, text in _texts(content, path):
        for name in unknown_tokens(text):
            known = ", ".join("{{" + token + "}}" for token in KNOWN_TOKENS)
            yield where, f"Unknown token {{{{{name}}}}}: use one of {known}."


def personalise(content: Any, values: Mapping[str, str | None]) -> Any:
    """A copy of the content with every token replaced (fallback wording where a value is missing)."""
    filled = {name: (values.get(name) or FALLBACKS[name]) for name in KNOWN_TOKENS}

    def fill(text: str) -> str:
        if "{{" not in text:
            return text
        return TOKEN.sub(lambda match: filled.get(match.group(1), match.group(0)), text)

    return _map_texts(content, fill)


def _texts(content: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(content, str):
        yield path, content
    elif isinstance(content, Mapping):
        for key, value in content.items():
            if key not in NOT_PROSE:
                yield from _texts(value, (*path, key))
    elif isinstance(content, list):
        for index, value in enumerate(content):
            yield from _texts(value, (*path, index))


def _map_texts(content: Any, fill: Any) -> Any:
    if isinstance(content, str):
        return fill(content)
    if isinstance(content, Mapping):
        return {key: _copied(value) if key in NOT_PROSE else _map_texts(value, fill) for key, value in content.items()}
    if isinstance(content, list):
        return [_map_texts(value, fill) for value in content]
    return content


def _copied(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | None) else deepcopy(value)
