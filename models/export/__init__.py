"""Exporter for Kontinuous Kontext model bundles (FLUX.1 Kontext dev + slider projector) to ONNX.

Run `python -m models.export --help`. The bundle format is documented in models/README.md and validated on
the TypeScript side by models/bundle-manifest.ts.
"""
