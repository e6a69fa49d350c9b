"""Helpers of the security tests (test_security_*.py): the scan of a page or a template for what the
Content-Security-Policy blocks."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# What the Content-Security-Policy would block in a served page. A <script> may carry data (type application/json,
# as Django's json_script writes it) but never code; a tag may not hold an event handler or a style attribute.
TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.DOTALL)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript\s*:", re.IGNORECASE)
# Template comments are not rendered: what they say about <style> or scripts is not in the page.
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.DOTALL)


def csp_problems(text: str) -> list[str]:
    text = TEMPLATE_COMMENT.sub("", text)
    found = []
    for attributes, body in SCRIPT.findall(text):
        if body.strip() and "application/json" not in attributes:
            found.append("inline <script> with code")
    for tag in TAG.findall(text):
        if EVENT_HANDLER.search(tag):
            found.append(f"event handler attribute in {tag[:60]!r}")
        if STYLE_ATTRIBUTE.search(tag):
            found.append(f"style attribute in {tag[:60]!r}")
    if STYLE_BLOCK.search(text):
        found.append("<style> block")
    if JAVASCRIPT_URL.search(text):
        found.append("javascript: URL")
    return found
