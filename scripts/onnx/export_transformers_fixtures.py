"""Exports small-configuration Hugging Face `transformers` models to ONNX as test cases in the ONNX
backend-test layout (NAME/model.onnx, NAME/test_data_set_0/input_K.pb and output_K.pb), so that
`prune conformance Tests/ONNXTests/Fixtures/transformers` and Tests/ONNXTests check Prune's import
against onnxruntime's outputs. Random weights (seeded); run once, the files are committed.

    python3 scripts/onnx/export_transformers_fixtures.py          # needs torch, transformers, onnx,
                                                                  # onnxruntime, onnxscript (dynamo)
Each model is exported by the TorchScript exporter (opset 14 or 17) and, where noted, by dynamo
(opset 18); the expected outputs are onnxruntime's on seeded inputs.
"""
import os, shutil, sys, warnings
import numpy as np
import torch
import onnx, onnxruntime as ort
from onnx import numpy_helper
import transformers as tf

warnings.filterwarnings("ignore")
# nn.MultiheadAttention's inference fast path (one fused aten op) has no ONNX form in the TorchScript exporter.
torch.backends.mha.set_fastpath_enabled(False)
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ONNXTests", "Fixtures", "transformers")


class Wrapper(torch.nn.Module):
    """Passes the inputs by name and returns the first output tensor (last_hidden_state, or a
    classifier's logits) alone."""
    def __init__(self, model, names):
        super().__init__()
        self.model, self.names = model, names

    def forward(self, *args):
        kwargs = dict(zip(self.names, args))
        if "input_ids" in kwargs:
            kwargs["use_cache"] = False
        return self.model(**kwargs)[0]


def text_inputs(vocab, batch=2, length=7, token_types=False, positions=False):
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, vocab, (batch, length), generator=g)
    mask = torch.ones(batch, length, dtype=torch.int64)
    mask[1, 5:] = 0
    inputs = [("input_ids", ids), ("attention_mask", mask)]
    if token_types:
        inputs.append(("token_type_ids", (torch.arange(length) >= 3).long().expand(batch, length).contiguous()))
    if positions:
        inputs.append(("position_ids", torch.arange(length).expand(batch, length).contiguous()))
    return inputs


def image_inputs(size=32, channels=3):
    g = torch.Generator().manual_seed(2)
    return [("pixel_values", torch.randn(2, channels, size, size, generator=g))]


class TorchEncoder(torch.nn.Module):
    """PyTorch's own `nn.TransformerEncoder` (2 layers, 4 heads, batch first): its attention is
    `nn.MultiheadAttention`, whose q, k and v come from one packed in-projection."""
    def __init__(self):
        super().__init__()
        layer = torch.nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, dropout=0.0,
                                                 batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)

    def forward(self, inputs_embeds):
        return (self.encoder(inputs_embeds),)


def embedding_inputs(length=7, width=32):
    g = torch.Generator().manual_seed(3)
    return [("inputs_embeds", torch.randn(2, length, width, generator=g))]


def models():
    torch.manual_seed(0)
    small = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64)
    yield "bert", tf.BertModel(tf.BertConfig(vocab_size=100, **small)), text_inputs(100, token_types=True), [14, 18]
    # A sequence classifier (logits [N, 3]): `prune prune` calibrates and fine-tunes it on a file of
    # token ids, masks and token types by input name.
    yield "bert_classifier", tf.BertForSequenceClassification(tf.BertConfig(vocab_size=100, num_labels=3, **small)), \
        text_inputs(100, token_types=True), [14]
    yield "distilbert", tf.DistilBertModel(tf.DistilBertConfig(vocab_size=100, dim=32, n_layers=2, n_heads=4,
                                                               hidden_dim=64)), text_inputs(100), [14]
    yield "roberta", tf.RobertaModel(tf.RobertaConfig(vocab_size=100, **small)), text_inputs(100), [14]
    yield "gpt2", tf.GPT2Model(tf.GPT2Config(vocab_size=100, n_embd=32, n_layer=2, n_head=4, n_positions=64)), \
        text_inputs(100), [14, 18]
    yield "llama_gqa", tf.LlamaModel(tf.LlamaConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2,
                                                    num_attention_heads=4, num_key_value_heads=2,
                                                    intermediate_size=64, max_position_embeddings=64)), \
        text_inputs(100, positions=True), [17, 18]
    yield "vit", tf.ViTModel(tf.ViTConfig(image_size=32, patch_size=8, **small)), image_inputs(), [14, 18]
    yield "swin", tf.SwinModel(tf.SwinConfig(image_size=32, patch_size=4, embed_dim=16, depths=[1, 1],
                                             num_heads=[2, 2], window_size=4)), image_inputs(), [17]
    yield "torch_encoder", TorchEncoder(), embedding_inputs(), [14, 17, 18]
    yield "convnext", tf.ConvNextModel(tf.ConvNextConfig(num_channels=3, hidden_sizes=[8, 16], depths=[1, 1],
                                                         num_stages=2)), image_inputs(), [17]
    yield "regnet", tf.RegNetModel(tf.RegNetConfig(embedding_size=8, hidden_sizes=[8, 16], depths=[1, 1],
                                                   groups_width=4)), image_inputs(), [17]
    yield "efficientnet", tf.EfficientNetModel(tf.EfficientNetConfig(image_size=32, width_coefficient=0.25,
                                                                     depth_coefficient=0.25, hidden_dim=320)), \
        image_inputs(), [17]


def write_case(name, path, inputs):
    case = os.path.join(OUT, name)
    shutil.rmtree(case, ignore_errors=True)
    data = os.path.join(case, "test_data_set_0")
    os.makedirs(data)
    shutil.move(path, os.path.join(case, "model.onnx"))
    session = ort.InferenceSession(os.path.join(case, "model.onnx"), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    feeds = {n: v.numpy() for n, v in inputs if n in names}
    outputs = session.run(None, feeds)
    for k, n in enumerate(names):
        with open(os.path.join(data, f"input_{k}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(feeds[n], n).SerializeToString())
    for k, y in enumerate(outputs):
        with open(os.path.join(data, f"output_{k}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(y).SerializeToString())
    size = os.path.getsize(os.path.join(case, "model.onnx"))
    print(f"{name}: inputs {names}, {len(outputs)} outputs, {size / 1024:.0f} KiB")


def export(name, model, inputs, opset, dynamo):
    model.eval()
    names = [n for n, _ in inputs]
    wrapper = Wrapper(model, names)
    path = os.path.join(OUT, name + ".tmp.onnx")
    output = "logits" if "classifier" in name else "last_hidden_state"
    args = tuple(v for _, v in inputs)
    axes = {n: {0: "batch", 1: "sequence"} if v.dtype == torch.int64 else {0: "batch"} for n, v in inputs}
    with torch.no_grad():
        if dynamo:
            torch.onnx.export(wrapper, args, path, input_names=names, output_names=[output],
                              opset_version=opset, dynamo=True, external_data=False)
        else:
            torch.onnx.export(wrapper, args, path, input_names=names, output_names=[output],
                              opset_version=opset, dynamo=False, dynamic_axes=axes or None)
    write_case(name, path, inputs)


def main(only):
    os.makedirs(OUT, exist_ok=True)
    for name, model, inputs, opsets in models():
        if only and name not in only:
            continue
        for opset in opsets:
            dynamo = opset >= 18
            case = f"{name}_{'dynamo' if dynamo else 'torchscript'}_opset{opset}"
            try:
                export(case, model, inputs, opset, dynamo)
            except Exception as e:   # an exporter that cannot handle a model is reported, not fatal
                print(f"{case}: export failed: {str(e).splitlines()[0][:200]}")
                shutil.rmtree(os.path.join(OUT, case), ignore_errors=True)
                for f in os.listdir(OUT):
                    if f.endswith(".tmp.onnx") or f.endswith(".tmp.onnx.data"):
                        os.remove(os.path.join(OUT, f))


if __name__ == "__main__":
    main(set(sys.argv[1:]))
