"""Load times of a trained network: vanex's readers against torch.load.

    make build/bench/bench_load
    /usr/bin/python3 tests/bench/bench_load.py [BUILD]

Writes a 2-layer nn.LSTM with d = n = 1024 (16.8 M weights) into
BUILD/bench/load/ as torch.save's zip layout (float32 and float64), its
legacy layout, numpy.savez, savez_compressed and safetensors; times
torch.load followed by .double() on each torch file (median of 5, one
thread), then runs BUILD/bench/bench_load on all of them (open, find the
module, convert its weights to double into a vx_net).
"""
import json
import os
import statistics
import struct
import subprocess
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
build = sys.argv[1] if len(sys.argv) > 1 else "build"
out = os.path.join(build, "bench", "load")
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
sd = torch.nn.LSTM(1024, 1024, num_layers=2).state_dict()


def p(name):
    return os.path.join(out, name)


files = {
    "lstm2_f32.pt": lambda f: torch.save(sd, f),
    "lstm2_f64.pt": lambda f: torch.save({k: v.double() for k, v in sd.items()}, f),
    "lstm2_f32_legacy.pt": lambda f: torch.save(sd, f, _use_new_zipfile_serialization=False),
    "lstm2_f32.npz": lambda f: np.savez(f, **{k: v.numpy() for k, v in sd.items()}),
    "lstm2_f32_compressed.npz": lambda f: np.savez_compressed(f, **{k: v.numpy() for k, v in sd.items()}),
}


def safetensors(f):
    hdr, blobs, off = {}, [], 0
    for k, v in sd.items():
        raw = v.numpy().tobytes()
        hdr[k] = {"dtype": "F32", "shape": list(v.shape), "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        blobs.append(raw)
    h = json.dumps(hdr).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(f, "wb") as fh:
        fh.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


files["lstm2_f32.safetensors"] = safetensors
for name, write in files.items():
    if not os.path.exists(p(name)):
        write(p(name))

print("%-34s %12s" % ("torch.load + .double()", "median s"))
for name in files:
    if not name.endswith(".pt"):
        continue
    times = []
    for _ in range(5):
        t = time.perf_counter()
        {k: v.double() for k, v in torch.load(p(name)).items()}
        times.append(time.perf_counter() - t)
    print("%-34s %12.3f" % (name, statistics.median(times)))
print()
sys.exit(subprocess.call([os.path.join(build, "bench", "bench_load")] + [p(n) for n in files]))
