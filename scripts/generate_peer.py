#!/usr/bin/env python3
"""PyTorch peer of the greedy-decoding speed `prune llm structured --speed` measures: transformers'
`generate` on CPU, batch 1, a prompt of the first PROMPT tokens of the evaluation text, NEW new
tokens greedily (no early stop at EOS), the key/value cache on; tokens/s = NEW / wall time of the
whole call (prefill included, as in Prune), median of REPEATS runs after one warm-up.

  python3 scripts/generate_peer.py MODEL [THREADS] [PROMPT] [NEW] [REPEATS]

MODEL is a GGUF file (dequantized to Float32 by transformers) or a Hugging Face folder (for example one
written by `prune llm structured --out`). Needs torch, transformers and accelerate (for GGUF files)."""
import json, os, statistics, sys, time
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
sys.path.insert(0, os.path.dirname(__file__))
from smollm2_tokenizer import jargon_text, tokenizer_from_gguf

path = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
prompt_length = int(sys.argv[3]) if len(sys.argv) > 3 else 64
new = int(sys.argv[4]) if len(sys.argv) > 4 else 128
repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 3
torch.set_num_threads(threads)
if path.endswith(".gguf"):
    folder, name = os.path.dirname(path), os.path.basename(path)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, torch_dtype=torch.float32)
    encode = lambda t: tokenizer_from_gguf(path).encode(t, add_special_tokens=False).ids  # the model's real one
else:
    model = AutoModelForCausalLM.from_pretrained(path, torch_dtype=torch.float32)
    tok = AutoTokenizer.from_pretrained(path)
    encode = lambda t: tok(t, add_special_tokens=False)["input_ids"]
model.eval()
text = jargon_text(os.path.expanduser("~/.cache/prune/text/jargon.txt.gz"), "evaluation")
ids = torch.tensor([encode(text[:20000])[:prompt_length]])
settings = dict(max_new_tokens=new, min_new_tokens=new, do_sample=False, use_cache=True,
                pad_token_id=model.config.eos_token_id, attention_mask=torch.ones_like(ids))
rates = []
with torch.no_grad():
    model.generate(ids, **settings)
    for _ in range(repeats):
        t0 = time.perf_counter()
        model.generate(ids, **settings)
        rates.append(new / (time.perf_counter() - t0))
print(json.dumps({"tokens_per_second": statistics.median(rates), "runs": rates, "threads": threads,
                  "prompt": prompt_length, "new": new}))
