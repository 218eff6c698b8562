"""Weekly digests: built from analytics values, rendered to Block Kit, posted exactly once."""

from bot.digest.build import Digest, build_digest
from bot.digest.post import DigestResult, post_digest
from bot.digest.render import render_digest, render_digest_text

__all__ = [
    "Digest",
    "DigestResult",
    "build_digest",
    "post_digest",
    "render_digest",
    "render_digest_text",
]
