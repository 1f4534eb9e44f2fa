"""Every URL the project answers, read from the resolver, with a concrete example address."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

# Example values for the URL parameters, by name (an unknown name gets "1").
SAMPLES = {"pk": "1", "object_id": "1", "action": "submit", "what": "trainees", "content_type_id": "1",
           "url": "nowhere/"}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or the pattern itself when unnamed
    pattern: str
    callback: object
    namespace: str

    @property
    def is_admin(self):
        return self.namespace == "admin"

    def url(self, **values):
        return "/" + _concrete(self.pattern, {**SAMPLES, **{k: str(v) for k, v in values.items()}})

    @property
    def parameters(self):
        named = re.findall(r"\(\?P<(\w+)>", self.pattern)
        return named + re.findall(r"<(?:\w+:)?(\w+)>", re.sub(r"\(\?P<\w+>", "(", self.pattern))


def _concrete(pattern, values):
    text = re.sub(r"\(\?P<(\w+)>([^)]*)\)", lambda m: values.get(m[1]) or m[2].split("|")[0], pattern)
    text = re.sub(r"\((?!\?)[^()]*\)", "1", text)
    text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m[1], "1"), text)
    return text.replace("^", "").replace("$", "").replace("\\.", ".")


def routes():
    found = []

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = ":".join(n for n in (namespace, entry.namespace) if n) if entry.namespace else namespace
                walk(entry.url_patterns, prefix + _strip(str(entry.pattern)), inner)
            elif isinstance(entry, URLPattern):
                pattern = prefix + _strip(str(entry.pattern))
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name or pattern
                found.append(Route(name, pattern, entry.callback, namespace or ""))

    walk(get_resolver().url_patterns, "", None)
    return found


def _strip(piece):
    return piece.removeprefix("^").removesuffix("$")
