"""`tokenizer.json` files for the bundle: tiny CLIP-like / T5-like tokenizers and the real ones.

Every tokenizer.json we write has truncation and fixed-length padding enabled (truncation leaves room for
the special tokens the post-processor adds), so a loader that honours those settings gets exactly the ids
FluxKontextPipeline feeds its encoders. A loader that ignores them must do the same by hand (models/README.md).
"""

from __future__ import annotations

import copy
import string
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

CLIP_BOS, CLIP_EOS, CLIP_UNK = "<|startoftext|>", "<|endoftext|>", "<|unk|>"
T5_PAD, T5_EOS, T5_UNK = "<pad>", "</s>", "<unk>"

# Small vocabulary the tiny tokenizers are built from (instruction-editing words).
WORDS = (
    "a an the and of to in on with into as make turn add remove change replace give put it its this that "
    "sky sea water tree trees cat dog man woman hat red blue green yellow black white golden gold bright dark "
    "light night day snow winter summer rain storm sun style painting photo image scene background dress "
    "hair glasses car house city street more less very much small big old young happy sad smile shiny "
    "metal wood glass stone fire ice flowers color colour deep soft please now"
).split()
WORDS = list(dict.fromkeys(WORDS))


def build_tiny_clip_tokenizer() -> Tokenizer:
    """Lowercasing BPE (end-of-word suffix "</w>", like CLIP) with BOS/EOS as the two LARGEST ids.

    Built by hand, not trained: the tokenizers BPE trainer numbers end-of-word symbols in hash-map order,
    so two processes would build different vocabularies. Merges join each word left to right.
    """
    alphabet = sorted(set(string.ascii_lowercase + string.digits + ".,!?'-:;\"()"))
    tokens = list(alphabet) + [char + "</w>" for char in alphabet]
    known = set(tokens)
    merges: list[tuple[str, str]] = []
    for word in sorted(set(WORDS)):
        parts = list(word[:-1]) + [word[-1] + "</w>"]
        current = parts[0]
        for part in parts[1:]:
            merged = current + part
            if merged not in known:
                merges.append((current, part))
                tokens.append(merged)
                known.add(merged)
            current = merged
    vocab = {token: i for i, token in enumerate(tokens)}
    unk_id, bos_id, eos_id = len(tokens), len(tokens) + 1, len(tokens) + 2
    vocab.update({CLIP_UNK: unk_id, CLIP_BOS: bos_id, CLIP_EOS: eos_id})
    tokenizer = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token=CLIP_UNK, end_of_word_suffix="</w>"))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{CLIP_BOS} $A {CLIP_EOS}",
        pair=f"{CLIP_BOS} $A {CLIP_EOS} $B {CLIP_EOS}",
        special_tokens=[(CLIP_BOS, bos_id), (CLIP_EOS, eos_id)],
    )
    tokenizer.decoder = decoders.BPEDecoder(suffix="</w>")
    tokenizer.add_special_tokens([CLIP_UNK, CLIP_BOS, CLIP_EOS])
    return tokenizer


def build_tiny_t5_tokenizer() -> Tokenizer:
    """Case-sensitive Unigram over "▁word" pieces and single characters; appends </s>; <pad>=0, </s>=1."""
    pieces: list[tuple[str, float]] = [(T5_PAD, 0.0), (T5_EOS, 0.0), (T5_UNK, 0.0)]
    words = WORDS + [w.capitalize() for w in WORDS[:24]]
    pieces += [("▁" + word, -3.0 - 0.001 * i) for i, word in enumerate(words)]
    pieces.append(("▁", -6.0))
    chars = string.ascii_lowercase + string.ascii_uppercase + string.digits + ".,!?'-:;\"()"
    pieces += [(char, -8.0 - 0.001 * i) for i, char in enumerate(chars)]
    tokenizer = Tokenizer(models.Unigram(pieces, unk_id=2, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"$A {T5_EOS}", pair=f"$A {T5_EOS} $B {T5_EOS}", special_tokens=[(T5_EOS, 1)]
    )
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.add_special_tokens([T5_PAD, T5_EOS, T5_UNK])
    return tokenizer


def with_fixed_length(tokenizer: Tokenizer, max_length: int, pad_id: int, pad_token: str) -> Tokenizer:
    fixed = Tokenizer.from_str(tokenizer.to_str())
    fixed.enable_truncation(max_length=max_length)
    fixed.enable_padding(direction="right", pad_id=pad_id, pad_token=pad_token, length=max_length)
    return fixed


def hf_tokenizer(tokenizer: Tokenizer, max_length: int, **special_tokens: str):
    """transformers fast tokenizer around a `tokenizers.Tokenizer` (what FluxKontextPipeline calls)."""
    try:
        from transformers import PreTrainedTokenizerFast as FastTokenizer
    except ImportError:  # transformers 5 may only export the new name
        from transformers import TokenizersBackend as FastTokenizer
    plain = Tokenizer.from_str(tokenizer.to_str())
    plain.no_padding()
    plain.no_truncation()
    return FastTokenizer(tokenizer_object=plain, model_max_length=max_length, **special_tokens)


def pretrained_tokenizer(directory: Path) -> tuple[Tokenizer, object]:
    """(tokenizers.Tokenizer, transformers tokenizer) for a diffusers `tokenizer/` or `tokenizer_2/` folder."""
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(str(directory))
    backend = getattr(hf, "backend_tokenizer", None)
    if backend is None:
        from transformers.convert_slow_tokenizer import convert_slow_tokenizer

        backend = convert_slow_tokenizer(hf)
    return Tokenizer.from_str(backend.to_str()), hf


def write_tokenizer(tokenizer: Tokenizer, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(path))


def copy_tokenizer(tokenizer: Tokenizer) -> Tokenizer:
    return copy.deepcopy(tokenizer) if hasattr(tokenizer, "__deepcopy__") else Tokenizer.from_str(tokenizer.to_str())
