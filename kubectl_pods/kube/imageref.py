"""Image references as `github.com/distribution/reference` `ParseNormalizedNamed` reads them.

The API server's `imagePullPolicy` default depends on the tag this parser finds
(`pkg/util/parsers/parsers.go` `ParseImageName`), including what it does with references it
refuses: no tag at all, so `IfNotPresent`.
"""

from __future__ import annotations

import re

_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE = re.compile(rf"^({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?$")
_IDENTIFIER = re.compile(r"^[a-f0-9]{64}$")
_DIGEST_HEX = {"sha256": 64, "sha384": 96, "sha512": 128}
NAME_TOTAL_LENGTH_MAX = 255


def _split_docker_domain(name: str) -> tuple[str, str]:
    first, sep, rest = name.partition("/")
    if not sep or ("." not in first and ":" not in first and first != "localhost" and first.lower() == first):
        return "docker.io", name
    return first, rest


def _digest_is_valid(digest: str) -> bool:
    algorithm, _, encoded = digest.partition(":")
    length = _DIGEST_HEX.get(algorithm)
    return length is not None and len(encoded) == length and re.fullmatch(r"[a-f0-9]+", encoded) is not None


def parse_reference(image: str) -> tuple[str, str, str] | None:
    """(repository, tag, digest) of a reference, or None where ParseNormalizedNamed errs."""
    if _IDENTIFIER.match(image):
        return None
    domain, remainder = _split_docker_domain(image)
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        return None
    match = _REFERENCE.match(f"{domain}/{remainder}")
    if not match or len(match.group(1)) > NAME_TOTAL_LENGTH_MAX:
        return None
    name, tag, digest = match.group(1), match.group(2) or "", match.group(3) or ""
    if digest and not _digest_is_valid(digest):
        return None
    return name, tag, digest
