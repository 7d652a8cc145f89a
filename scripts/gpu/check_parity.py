#!/usr/bin/env python3
"""Checks that candle reproduces the GPU-trained weights' outputs.

  pretrain_stream reference CONFIG MODEL_DIR 64 ref_rust.bin   # candle, on the new weights
  python3 scripts/gpu/check_parity.py ref_rust.bin MODEL_DIR/ref_q.npy MODEL_DIR/ref_mean.npy
"""
import sys

import numpy as np

buf = open(sys.argv[1], "rb").read()
q_t, m_t = np.load(sys.argv[2]), np.load(sys.argv[3])
b, h, nq = q_t.shape
nm = b * h
# The reference file ends with quantiles f32[B*H*Q] then mean f32[B*H].
tail = np.frombuffer(buf[len(buf) - 4 * (nm * nq + nm):], dtype="<f4")
q_r, m_r = tail[: nm * nq].reshape(b, h, nq), tail[nm * nq:].reshape(b, h)
dq, dm = np.abs(q_r - q_t).max(), np.abs(m_r - m_t).max()
print(f"candle vs torch on {b} windows: max |dq| {dq:.3e}, max |dmean| {dm:.3e}, "
      f"max |q| {np.abs(q_t).max():.2f}")
sys.exit(0 if dq < 1e-3 * max(1.0, np.abs(q_t).max()) and dm < 1e-3 * max(1.0, np.abs(m_t).max()) else 1)
