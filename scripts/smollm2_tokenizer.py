"""Shared by the decoder fixture and benchmark scripts: SmolLM2's Hugging Face tokenizer built
from a GGUF file, and the evaluation / calibration parts of the Jargon File exactly as Prune
cuts them (NN/Data/JargonFile.swift)."""
import gzip
import gguf
from tokenizers import Tokenizer, AddedToken, models, pre_tokenizers, decoders

BOX = set("─│┌┐└┘├┤┬┴┼━┃")


def tokenizer_from_gguf(path):
    reader = gguf.GGUFReader(path)
    field = lambda k: reader.fields[k].contents()
    tokens, merges = field("tokenizer.ggml.tokens"), field("tokenizer.ggml.merges")
    types = field("tokenizer.ggml.token_type")
    bpe = models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=[tuple(m.split(" ")) for m in merges],
                     fuse_unk=False, byte_fallback=False)
    tok = Tokenizer(bpe)
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                 pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False)
                            for t, k in zip(tokens, types) if k in (3, 4)])
    return tok


def jargon_text(path, part):
    """Paragraphs (blank-line separated) with lines stripped and joined by one space; those with
    box-drawing characters or under 80 characters dropped; the first half of the rest is the
    calibration part, the second half the evaluation part, each joined by blank lines."""
    raw = gzip.open(path, "rt", encoding="utf-8").read() if path.endswith(".gz") else open(path, encoding="utf-8").read()
    paragraphs, current = [], []
    for line in raw.split("\n"):
        if line.strip() == "":
            if current: paragraphs.append(" ".join(current)); current = []
        else:
            current.append(line.strip())
    if current: paragraphs.append(" ".join(current))
    kept = [p for p in paragraphs if len(p) >= 80 and not (set(p) & BOX)]
    half = len(kept) // 2
    chosen = kept[:half] if part == "calibration" else kept[half:]
    return "\n\n".join(chosen)
