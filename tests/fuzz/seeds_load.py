#!/usr/bin/python3
"""Writes the seed corpora of the model-file harnesses: tests/fuzz/pickle/,
zip/, safetensors/ and npz/ (fuzz_pickle.c, fuzz_zip.c, fuzz_safetensors.c,
fuzz_npz.c).

Small real files as PyTorch 1.13 and numpy write them (every seed under the
4096 bytes libFuzzer is given), plus one of each malformation and hostile
pickle, so that the fuzzer starts next to every branch.  The files are
checked in; rerun this after changing it:
    /usr/bin/python3 tests/fuzz/seeds_load.py
Regression inputs live in tests/fuzz/NAME/regressions/ and are never
touched here.  The legacy layout's storage keys are addresses of the
writing process, so those seeds change from run to run; the rest do not.  Nothing here is unpickled by Python: the hostile pickles are
only written.
"""
import collections
import io
import os
import pickle
import struct
import sys
import warnings
import zipfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "unit"))
from load_files import Command, npy_bytes as npy, safetensors_bytes  # noqa: E402

MAX = 4096
torch.manual_seed(7)


def write(name, fname, data):
    d = os.path.join(HERE, name)
    os.makedirs(os.path.join(d, "regressions"), exist_ok=True)
    keep = os.path.join(d, "regressions", ".keep")
    if not os.path.exists(keep):
        open(keep, "w").close()
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX:
        raise SystemExit("seed %s/%s is %d bytes (max %d)" % (name, fname, len(data), MAX))
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data)


def saved(obj, **kw):
    b = io.BytesIO()
    torch.save(obj, b, **kw)
    return b.getvalue()


def member(data, name):
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def small(cell, n=1, d=1, **kw):
    return {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](n, d, **kw).state_dict()


def zip_bytes(members, method=zipfile.ZIP_STORED):
    """An archive of (name, data) with a fixed date, so seeds do not change."""
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for k, v in members:
            z.writestr(zipfile.ZipInfo(k, (1980, 1, 1, 0, 0, 0)), v, compress_type=method)
    return b.getvalue()


# ---- pickle: data.pkl of state dicts, legacy files, hostile pickles ----

def pickle_seeds():
    lstm = saved(small("lstm"))
    write("pickle", "lstm_p2.pkl", member(lstm, "archive/data.pkl"))
    write("pickle", "gru_p4.pkl", member(saved(small("gru"), pickle_protocol=4), "archive/data.pkl"))
    params = dict(torch.nn.RNN(1, 1).named_parameters())
    write("pickle", "params.pkl", member(saved(params), "archive/data.pkl"))
    model = torch.nn.Linear(1, 1)
    opt = torch.optim.Adam(model.parameters())
    model(torch.ones(1)).sum().backward()
    opt.step()
    ckpt = {"model": small("rnn"), "optimizer": opt.state_dict(), "epoch": 3, "loss": 0.5, "tags": ("a", None)}
    write("pickle", "train.pkl", member(saved(ckpt), "archive/data.pkl"))
    write("pickle", "legacy_rnn.pt", saved(small("rnn"), _use_new_zipfile_serialization=False))
    write("pickle", "legacy_gru_f64.pt", saved({k: v.double() for k, v in small("gru").items()},
                                                _use_new_zipfile_serialization=False))
    base = torch.arange(12.0)
    views = collections.OrderedDict([("weight_ih_l0", base[0:3].view(3, 1)), ("weight_hh_l0", base[3:12:3].view(3, 1))])
    write("pickle", "legacy_views.pt", saved(views, _use_new_zipfile_serialization=False))
    write("pickle", "bad_os_system.pkl", pickle.dumps(Command(os.system, "true"), protocol=2))
    write("pickle", "bad_eval.pkl", pickle.dumps(Command(eval, "1"), protocol=4))
    write("pickle", "bad_inst.pkl", b"(S'true'\nios\nsystem\n.")
    write("pickle", "bad_truncated.pkl", member(lstm, "archive/data.pkl")[:100])
    write("pickle", "bad_module.pt", saved(torch.nn.ReLU(), _use_new_zipfile_serialization=False))
    write("pickle", "bad_memo.pkl", b"\x80\x02h\x05.")
    write("pickle", "bad_underflow.pkl", b"\x80\x02(s.")


# ---- zip: torch.save archives, npz, damaged archives ----

def zip_seeds():
    write("zip", "rnn.pt", saved(small("rnn")))
    write("zip", "lstm_2l.pt", saved(small("lstm", num_layers=2)))
    write("zip", "gru_bi.pt", saved(small("gru", bidirectional=True)))
    data = saved(small("rnn"))
    write("zip", "bad_truncated.pt", data[:len(data) // 2])
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.getinfo("archive/data/1")
    b = bytearray(data)
    nl, el = struct.unpack("<HH", b[info.header_offset + 26:info.header_offset + 30])
    b[info.header_offset + 30 + nl + el] ^= 1
    write("zip", "bad_crc.pt", bytes(b))
    arrays = {k + ".npy": npy(v.numpy()) for k, v in small("rnn").items()}
    write("zip", "rnn_stored.npz", zip_bytes(arrays.items()))
    write("zip", "rnn_deflated.npz", zip_bytes(arrays.items(), zipfile.ZIP_DEFLATED))
    write("zip", "bad_bzip2.npz", zip_bytes(list(arrays.items())[:1], zipfile.ZIP_BZIP2))
    write("zip", "empty.zip", zip_bytes([]))
    with warnings.catch_warnings():  # zipfile warns of what this seed is for
        warnings.simplefilter("ignore")
        write("zip", "bad_dup.zip", zip_bytes([("a", "1"), ("a", "2")]))


# ---- safetensors (the writer of tests/unit/load_files.py) ----

def safetensors(tensors, metadata=None, fix=None):
    return safetensors_bytes(tensors, metadata=metadata, fix=fix)


def safetensors_seeds():
    write("safetensors", "lstm_f32.safetensors", safetensors(small("lstm", 2, 1), {"format": "pt"}))
    write("safetensors", "gru_f64.safetensors", safetensors({k: v.double() for k, v in small("gru").items()}))
    sd = small("rnn", 2, 2)
    write("safetensors", "rnn_f16.safetensors", safetensors({k: v.half() for k, v in sd.items()}))
    write("safetensors", "rnn_bf16.safetensors", safetensors({k: v.bfloat16() for k, v in sd.items()}))
    write("safetensors", "bi.safetensors", safetensors(small("rnn", bidirectional=True)))
    write("safetensors", "bad_overlap.safetensors",
          safetensors(sd, fix=lambda h: h["weight_hh_l0"].__setitem__("data_offsets", [0, 16])))
    write("safetensors", "bad_dtype.safetensors", safetensors({k: v.long() for k, v in sd.items()}))
    write("safetensors", "bad_header_len.safetensors", struct.pack("<Q", 1 << 40) + b"{}")
    write("safetensors", "empty.safetensors", struct.pack("<Q", 2) + b"{}")


# ---- npz ----

def npz_seeds():
    sd = small("lstm", 1, 1)
    arrays = {k: v.numpy() for k, v in sd.items()}
    for name, method in (("lstm_stored.npz", zipfile.ZIP_STORED), ("lstm_deflated.npz", zipfile.ZIP_DEFLATED)):
        write("npz", name, zip_bytes([(k + ".npy", npy(v)) for k, v in arrays.items()], method))
    mixed = {"weight_ih_l0": np.asfortranarray(arrays["weight_ih_l0"].astype(">f8")),
             "weight_hh_l0": arrays["weight_hh_l0"].astype("<f2"), "bias_ih_l0": arrays["bias_ih_l0"],
             "bias_hh_l0": arrays["bias_hh_l0"].astype(">f4"), "step": np.array(3)}
    write("npz", "lstm_mixed.npz", zip_bytes([(k + ".npy", npy(v)) for k, v in mixed.items()], zipfile.ZIP_DEFLATED))
    write("npz", "object.npz", zip_bytes([("cfg.npy", npy(np.array({"a": 1}, dtype=object)))]))
    write("npz", "bad_structured.npz", zip_bytes([("s.npy", npy(np.zeros(2, dtype=[("a", "<f4")])))]))
    hdr = b"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 2), }"
    hdr += b" " * (117 - len(hdr)) + b"\n"
    write("npz", "bad_shape.npz", zip_bytes([("w.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", 118) + hdr)]))


pickle_seeds()
zip_seeds()
safetensors_seeds()
npz_seeds()
