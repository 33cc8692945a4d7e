"""kosmograph Python tools: reference fixtures for the SD1.5 ONNX runtime."""
