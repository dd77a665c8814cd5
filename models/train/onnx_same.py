"""Whether ONNX files hold the same graph and weights, node metadata and doc strings aside.

The exporter records where each node came from (module paths, FX node text) in node metadata, which can change
with the source while the graph does not: then a re-export changes a bundle file's sha256 but not what it computes. Usage:
`python3 -m models.train.onnx_same A.onnx B.onnx [C.onnx D.onnx ...]` compares A with B, C with D ...; the exit
status is 1 when any pair differs."""

from __future__ import annotations

import sys

import onnx


def graph_bytes(path: str) -> bytes:
    model = onnx.load(path)
    for node in model.graph.node:
        del node.metadata_props[:]
        node.doc_string = ""
    del model.metadata_props[:]
    model.graph.doc_string = ""
    return model.graph.SerializeToString()


def main(argv: list[str]) -> int:
    if len(argv) < 2 or len(argv) % 2:
        print(__doc__, file=sys.stderr)
        return 2
    differ = False
    for a, b in zip(argv[0::2], argv[1::2]):
        same = graph_bytes(a) == graph_bytes(b)
        differ |= not same
        print(f"{a} {b}: {'same graph and weights' if same else 'DIFFERENT'}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
