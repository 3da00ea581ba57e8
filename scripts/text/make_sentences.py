#!/usr/bin/env python3
"""Builds data/text/python-reference-sentences.txt: English prose sentences from the Python
Language Reference, as shipped in CPython's standard library (`pydoc_data/topics.py`).

Source licence: the Python documentation is distributed under the PSF License Version 2
(https://docs.python.org/3/license.html); Copyright (c) 2001 Python Software Foundation.
The sentences are kept verbatim; only code blocks, grammar rules and headings are skipped.

Run: python3 scripts/text/make_sentences.py > data/text/python-reference-sentences.txt
"""
import re
import sys
import pydoc_data.topics as topics


def prose_paragraphs(text):
    para = []
    for line in text.splitlines():
        if not line.strip() or line.startswith((" ", "\t")) or set(line.strip()) <= set("*=-~^"):
            if para:
                yield " ".join(para)
            para = []
            continue
        para.append(line.strip())
    if para:
        yield " ".join(para)


def sentences(paragraph):
    for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", paragraph):
        s = s.strip()
        words = s.split()
        if 6 <= len(words) <= 40 and s[-1] in ".!?" and s[0].isupper() and "::" not in s and ">>>" not in s:
            yield s


seen = set()
out = []
for name in sorted(topics.topics):
    for p in prose_paragraphs(topics.topics[name]):
        for s in sentences(p):
            if s not in seen:
                seen.add(s)
                out.append(s)
sys.stdout.write("\n".join(out) + "\n")
print(f"{len(out)} sentences", file=sys.stderr)
