"""Python side of the model bundle: `models.export` builds ONNX bundles (see models/README.md)."""
