"""Everything that makes a run repeat bit for bit on one machine."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def deterministic(seed: int = 0) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("DIFFUSERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set once in this process
        pass
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def ort_session_options():
    """onnxruntime SessionOptions with one thread (intra and inter op) and errors-only logging."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return so


def ort_session(path, providers=("CPUExecutionProvider",)):
    import onnxruntime as ort

    return ort.InferenceSession(str(path), sess_options=ort_session_options(), providers=list(providers))
