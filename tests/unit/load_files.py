"""Writes real model files for test_load.c, and a manifest of what is in them.

    /usr/bin/python3 tests/unit/load_files.py DIR good|bad|malicious

good       files as PyTorch 1.13, numpy and a hand-written safetensors writer
           make them: nn.RNN, nn.LSTM and nn.GRU state dicts of 1 and 2 layers,
           bidirectional, under module prefixes, float64, float32, float16 and
           bfloat16, inside a training loop's checkpoint with the optimiser's
           state, in torch.save's zip and legacy layouts (and the layout of
           torch >= 2.1 with its byteorder record, little- and big-endian),
           protocol 2 and 4 pickles, parameters, views and transposes sharing
           one storage; numpy.savez and savez_compressed (C and Fortran order,
           big-endian, float16); safetensors.  For each: every tensor's dtype,
           shape and values (as doubles: exact for every one of these dtypes),
           the recurrent modules, and PyTorch float64's final h (and c) of every
           layer for inputs x, for the C side to compare with its forward pass.
bad        damaged, refused or ill-fitting files, with the stage (open, select,
           net) that must refuse them, the status and words of the message.
malicious  pickles that run a command or import a module when Python loads
           them: each is first loaded by Python (torch.load or pickle.loads) to
           prove it creates its marker file, the marker is removed, and the
           manifest names it: vanex must refuse the file and the marker must
           not come back.
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile
import zlib

import numpy as np
import torch

T = 7
OUT = "."
manifest = []


def path(name):
    return os.path.join(OUT, name)


def special(x):
    """JSON has no NaN or infinities: they are written as strings."""
    return x if x == x and abs(x) != float("inf") else "nan" if x != x else "inf" if x > 0 else "-inf"


def values(t):
    """A tensor's values as float64 in C order: exact for float16, bfloat16,
    float32 and float64 alike."""
    return [special(x) for x in t.detach().to(torch.float64).contiguous().reshape(-1).tolist()]


def describe(sd):
    out = {}
    for k, v in sd.items():
        if isinstance(v, torch.Tensor):
            out[k] = {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape),
                      "values": values(v) if v.is_floating_point() else None}
    return out


def rnn_class(cell):
    return {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]


def reference(sd, prefix, cell, L, d, n, bidir=False, bias=True, act="tanh"):
    """PyTorch float64's final state of module prefix for random inputs x,
    per direction: {"forward": {"x", "h", "c"}, "reverse": ...}."""
    kw = {"num_layers": L, "bias": bias, "bidirectional": bidir}
    if cell == "rnn":
        kw["nonlinearity"] = act
    mod = rnn_class(cell)(n, d, **kw).double()
    own = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
    with torch.no_grad():
        for k, p in mod.named_parameters():
            p.copy_(own[k].to(torch.float64))
    x = torch.randn(T, 1, n, dtype=torch.float64)
    with torch.no_grad():
        _, hc = mod(x)
    h, c = (hc[0], hc[1]) if cell == "lstm" else (hc, None)
    dirs = 2 if bidir else 1
    res = {}
    for r, name in enumerate(["forward", "reverse"][:dirs]):
        # the reverse direction reads x from its end: vanex gets x reversed
        xs = x[:, 0] if r == 0 else x[:, 0].flip(0)
        res[name] = {"x": xs.tolist(), "h": [h[l * dirs + r, 0].tolist() for l in range(L)]}
        if c is not None:
            res[name]["c"] = [c[l * dirs + r, 0].tolist() for l in range(L)]
    return res


def good(name, fmt, sd, modules, act="tanh", described=None):
    """modules: (prefix, cell, L, d, n, bidir, bias); the reference is computed
    for each."""
    mods = []
    for prefix, cell, L, d, n, bidir, bias in modules:
        m = {"name": prefix[:-1] if prefix else "", "cell": cell, "layers": L, "d": d, "n": n,
             "directions": 2 if bidir else 1, "bias": int(bias),
             "dtype": sd[prefix + "weight_hh_l0"].dtype.__str__().replace("torch.", "")}
        m["run"] = reference(sd, prefix, cell, L, d, n, bidir, bias, act)
        mods.append(m)
    manifest.append({"path": path(name), "format": fmt, "act": act,
                     "tensors": described if described is not None else describe(sd), "modules": mods})


def flat(sd, into=None, prefix=""):
    """Every tensor of nested dicts and lists, named as vanex names them."""
    into = {} if into is None else into
    items = sd.items() if isinstance(sd, dict) else enumerate(sd) if isinstance(sd, (list, tuple)) else []
    for k, v in items:
        name = prefix + str(k)
        if isinstance(v, torch.Tensor):
            into[name] = v
        else:
            flat(v, into, name + ".")
    return into


class Wrap(torch.nn.Module):
    def __init__(self, **mods):
        super().__init__()
        for k, v in mods.items():
            setattr(self, k, v)


def state(cell, n, d, L=1, dtype=torch.float32, **kw):
    return rnn_class(cell)(n, d, num_layers=L, **kw).to(dtype).state_dict()


def npy_bytes(a):
    b = io.BytesIO()
    np.save(b, a)
    return b.getvalue()


def safetensors_bytes(tensors, metadata=None, order=None, header_pad=True, fix=None):
    """The format by its specification: u64 header length, JSON, data;
    fix(header) may damage the header first."""
    codes = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
             torch.int32: "I32", torch.int64: "I64"}
    hdr, blobs, off = {}, [], 0
    for k in order or tensors:
        v = tensors[k].contiguous()
        raw = v.view(torch.int16).numpy().tobytes() if v.dtype == torch.bfloat16 else v.numpy().tobytes()
        hdr[k] = {"dtype": codes[v.dtype], "shape": list(v.shape), "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        blobs.append(raw)
    if metadata is not None:
        hdr["__metadata__"] = metadata
    if fix:
        fix(hdr)
    h = json.dumps(hdr).encode()
    if header_pad:
        h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def safetensors(name, tensors, **kw):
    with open(path(name), "wb") as f:
        f.write(safetensors_bytes(tensors, **kw))


def zip_members(members, name):
    """A zip written by hand: members (name, data, method, flags, declared size,
    declared crc) so that sizes and CRCs can lie."""
    out, cd = bytearray(), bytearray()
    for m in members:
        nm, raw = m["name"].encode(), m["data"]
        meth, flags = m.get("method", 0), m.get("flags", 0)
        comp = raw if meth == 0 else zlib.compress(raw, 9)[2:-4]
        size, crc = m.get("size", len(raw)), m.get("crc", zlib.crc32(raw))
        off = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, meth, 0, 0x21, crc, len(comp), size,
                           len(nm), 0) + nm + comp
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, meth, 0, 0x21, crc, len(comp), size,
                          len(nm), 0, 0, 0, 0, 0, off) + nm
    cdoff = len(out)
    out += cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), cdoff, 0)
    with open(path(name), "wb") as f:
        f.write(out)


def rezip(src, name, rename=None, extra=(), transform=None):
    """Copies torch.save's archive, members renamed, added or rewritten."""
    zin = zipfile.ZipFile(path(src))
    with zipfile.ZipFile(path(name), "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            new = rename(info.filename) if rename else info.filename
            if transform:
                data = transform(new, data)
            zout.writestr(new, data)
        for k, v in extra:
            zout.writestr(k, v)


# ---- crafted torch pickles: any declared storage, shape, stride ----

class FakeStorage:
    def __init__(self, key, numel, kind="FloatStorage", view=None):
        self.key, self.numel, self.kind, self.view = key, numel, kind, view


class FakeTensor:
    """Pickles as torch.save pickles a tensor, with any declared layout."""

    def __init__(self, storage, offset, shape, stride):
        self.args = (storage, offset, tuple(shape), tuple(stride), False, collections.OrderedDict())

    def __reduce_ex__(self, proto):
        return (torch._utils._rebuild_tensor_v2, self.args)


def crafted_pt(name, obj, storages, protocol=2):
    """torch.save's zip layout around a pickle of FakeTensors."""
    buf = io.BytesIO()
    p = pickle.Pickler(buf, protocol=protocol)
    p.persistent_id = lambda o: ("storage", getattr(torch, o.kind), o.key, "cpu", o.numel) \
        if isinstance(o, FakeStorage) else None
    p.dump(obj)
    with zipfile.ZipFile(path(name), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", buf.getvalue())
        for key, data in storages.items():
            z.writestr("archive/data/" + key, data)
        z.writestr("archive/version", "3\n")


# ================================================================= good

def make_good():
    # vanilla RNN under a prefix, float32; and a 2-layer ReLU one in float64
    sd = Wrap(rnn=torch.nn.RNN(3, 4)).state_dict()
    torch.save(sd, path("rnn_tanh_f32.pt"))
    good("rnn_tanh_f32.pt", "PyTorch zip", sd, [("rnn.", "rnn", 1, 4, 3, False, True)])
    sd = state("rnn", 2, 3, L=2, dtype=torch.float64, nonlinearity="relu")
    torch.save(sd, path("rnn_relu_2l_f64.pt"))
    good("rnn_relu_2l_f64.pt", "PyTorch zip", sd, [("", "rnn", 2, 3, 2, False, True)], act="relu")

    # LSTM two layers deep in a model: encoder.lstm
    model = Wrap(encoder=Wrap(lstm=torch.nn.LSTM(3, 4, num_layers=2)), head=torch.nn.Linear(4, 2))
    sd = model.state_dict()
    torch.save(sd, path("lstm_2l_f32.pt"))
    good("lstm_2l_f32.pt", "PyTorch zip", sd, [("encoder.lstm.", "lstm", 2, 4, 3, False, True)])

    # torch >= 2.1's layout: archive/, a byteorder record; and big-endian data
    rezip("lstm_2l_f32.pt", "lstm_2l_torch2.pt", rename=lambda m: "archive/" + m.split("/", 1)[1],
          extra=[("archive/byteorder", "little"), ("archive/.data/version", "3\n"),
                 ("archive/.data/serialization_id", "1234567890")])
    good("lstm_2l_torch2.pt", "PyTorch zip", sd, [("encoder.lstm.", "lstm", 2, 4, 3, False, True)])

    def swap(member, data):
        return np.frombuffer(data, "<f4").astype(">f4").tobytes() if "/data/" in member else data
    rezip("lstm_2l_f32.pt", "lstm_2l_bigendian.pt", transform=swap,
          extra=[("lstm_2l_f32/byteorder", "big")])
    good("lstm_2l_bigendian.pt", "PyTorch zip", sd, [("encoder.lstm.", "lstm", 2, 4, 3, False, True)])

    # GRU, two layers, float64, legacy layout
    sd = state("gru", 3, 5, L=2, dtype=torch.float64)
    torch.save(sd, path("gru_2l_f64_legacy.pt"), _use_new_zipfile_serialization=False)
    good("gru_2l_f64_legacy.pt", "PyTorch legacy", sd, [("", "gru", 2, 5, 3, False, True)])

    torch.save(sd, path("gru_2l_f64_legacy_p4.pt"), _use_new_zipfile_serialization=False, pickle_protocol=4)
    good("gru_2l_f64_legacy_p4.pt", "PyTorch legacy", sd, [("", "gru", 2, 5, 3, False, True)])

    # bidirectional LSTM: both directions
    sd = state("lstm", 2, 3, bidirectional=True)
    torch.save(sd, path("lstm_bi_f32.pt"))
    good("lstm_bi_f32.pt", "PyTorch zip", sd, [("", "lstm", 1, 3, 2, True, True)])

    # float16 and bfloat16
    sd = Wrap(gru=torch.nn.GRU(3, 4)).half().state_dict()
    torch.save(sd, path("gru_f16.pt"))
    good("gru_f16.pt", "PyTorch zip", sd, [("gru.", "gru", 1, 4, 3, False, True)])
    sd = state("lstm", 3, 4, L=2, dtype=torch.bfloat16)
    torch.save(sd, path("lstm_2l_bf16.pt"))
    good("lstm_2l_bf16.pt", "PyTorch zip", sd, [("", "lstm", 2, 4, 3, False, True)])

    # a training loop's checkpoint: model, Adam's state, scheduler, numbers
    model = Wrap(rnn=torch.nn.GRU(2, 3), norm=torch.nn.BatchNorm1d(3), fc=torch.nn.Linear(3, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, 10)
    out, _ = model.rnn(torch.randn(5, 2, 2))
    model.fc(model.norm(out[-1])).sum().backward()
    opt.step()
    sched.step()
    ckpt = {"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
            "epoch": 7, "best_loss": 0.125, "note": "run 3", "history": [0.5, 0.25, None, True]}
    for name, layout in (("ckpt_train.pt", "PyTorch zip"), ("ckpt_train_legacy.pt", "PyTorch legacy")):
        torch.save(ckpt, path(name), _use_new_zipfile_serialization=layout == "PyTorch zip")
        fl = flat(ckpt)
        good(name, layout, {k: v for k, v in fl.items()}, [("model.rnn.", "gru", 1, 3, 2, False, True)],
             described=describe(fl))

    # DataParallel's "module." prefix
    sd = collections.OrderedDict(("module.rnn." + k, v) for k, v in state("lstm", 4, 2).items())
    torch.save(sd, path("dataparallel.pt"))
    good("dataparallel.pt", "PyTorch zip", sd, [("module.rnn.", "lstm", 1, 2, 4, False, True)])

    # nn.Parameters (_rebuild_parameter), protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL)
    rnn = torch.nn.RNN(3, 2, num_layers=2)
    params = dict(rnn.named_parameters())
    torch.save(params, path("params_proto4.pt"), pickle_protocol=4)
    good("params_proto4.pt", "PyTorch zip", {k: v.detach() for k, v in params.items()},
         [("", "rnn", 2, 2, 3, False, True)])

    # no biases
    sd = state("gru", 2, 3, bias=False)
    torch.save(sd, path("gru_nobias.pt"))
    good("gru_nobias.pt", "PyTorch zip", sd, [("", "gru", 1, 3, 2, False, False)])

    # views of one storage at offsets, and a transposed (non-contiguous) weight
    base = torch.randn(200)
    big = torch.randn(5, 12)
    sd = collections.OrderedDict([
        ("weight_ih_l0", base[10:34].view(12, 2)),
        ("weight_hh_l0", big[:4, :].t()),            # strides (1, 12)
        ("bias_ih_l0", base[100:112]),
        ("bias_hh_l0", base[150:174:2]),             # stride 2
    ])
    torch.save(sd, path("views.pt"))
    good("views.pt", "PyTorch zip", sd, [("", "gru", 1, 4, 2, False, True)])
    torch.save(sd, path("views_legacy.pt"), _use_new_zipfile_serialization=False)
    good("views_legacy.pt", "PyTorch legacy", sd, [("", "gru", 1, 4, 2, False, True)])

    # the legacy layout's storage views (view_metadata), as old torch versions
    # wrote them: two views of one root storage; the values torch.load finds
    root = torch.randn(40)
    v1, v2 = FakeStorage("root", 40, view=("v1", 5, 12)), FakeStorage("root", 40, view=("v2", 20, 16))
    obj = collections.OrderedDict([("a", FakeTensor(v1, 0, (3, 4), (4, 1))),
                                   ("b", FakeTensor(v2, 1, (4, 2), (1, 4))),
                                   ("c", FakeTensor(v2, 3, (2,), (5,)))])
    buf = io.BytesIO()
    for small in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True,
                                               "type_sizes": {"short": 2, "int": 4, "long": 8}}):
        pickle.dump(small, buf, protocol=2)
    p = pickle.Pickler(buf, protocol=2)
    p.persistent_id = lambda o: ("storage", torch.FloatStorage, o.key, "cpu", o.numel, o.view) \
        if isinstance(o, FakeStorage) else None
    p.dump(obj)
    pickle.dump(["root"], buf, protocol=2)
    buf.write(struct.pack("<q", 40) + root.numpy().tobytes())
    with open(path("legacy_view_metadata.pt"), "wb") as f:
        f.write(buf.getvalue())
    good("legacy_view_metadata.pt", "PyTorch legacy", torch.load(path("legacy_view_metadata.pt")), [])

    # numpy.savez: stored float32; savez_compressed: float64, Fortran order, big-endian
    sd = {k: v for k, v in state("lstm", 3, 2, L=2).items()}
    np.savez(path("lstm_2l.npz"), **{"lstm." + k: v.numpy() for k, v in sd.items()})
    good("lstm_2l.npz", "npz", {"lstm." + k: v for k, v in sd.items()}, [("lstm.", "lstm", 2, 2, 3, False, True)])
    sd = state("gru", 4, 3, dtype=torch.float64)
    arrays = {k: v.numpy() for k, v in sd.items()}
    arrays["weight_hh_l0"] = np.asfortranarray(arrays["weight_hh_l0"])
    arrays["weight_ih_l0"] = arrays["weight_ih_l0"].astype(">f8")
    arrays["bias_ih_l0"] = arrays["bias_ih_l0"].astype(">f8")
    np.savez_compressed(path("gru_f64.npz"), **arrays)
    good("gru_f64.npz", "npz", sd, [("", "gru", 1, 3, 4, False, True)])
    sd = state("rnn", 2, 3, dtype=torch.float16)
    arrays = {k: v.numpy() for k, v in sd.items()}
    arrays["config"] = np.array({"hidden": 3}, dtype=object)  # pickled: listed, never read
    np.savez_compressed(path("rnn_f16.npz"), **arrays)
    desc = describe(sd)
    desc["config"] = {"dtype": "object", "shape": [], "values": None}
    good("rnn_f16.npz", "npz", sd, [("", "rnn", 1, 3, 2, False, True)], described=desc)

    # safetensors: float32 with __metadata__; float64; float16 weights, bfloat16 biases
    sd = Wrap(lstm=torch.nn.LSTM(2, 3)).state_dict()
    safetensors("lstm_f32.safetensors", sd, metadata={"format": "pt"})
    good("lstm_f32.safetensors", "safetensors", sd, [("lstm.", "lstm", 1, 3, 2, False, True)])
    sd = state("gru", 3, 2, L=2, dtype=torch.float64)
    safetensors("gru_2l_f64.safetensors", sd, order=sorted(sd), header_pad=False)
    good("gru_2l_f64.safetensors", "safetensors", sd, [("", "gru", 2, 2, 3, False, True)])
    sd = state("rnn", 3, 4, dtype=torch.float16)
    for k in ("bias_ih_l0", "bias_hh_l0"):
        sd[k] = sd[k].to(torch.bfloat16)
    safetensors("rnn_mixed.safetensors", sd)
    good("rnn_mixed.safetensors", "safetensors", sd, [("", "rnn", 1, 4, 3, False, True)])
    manifest[-1]["modules"][0]["dtype"] = "mixed"

    # every float16 and every bfloat16 bit pattern, converted by PyTorch
    every = torch.arange(-32768, 32768, dtype=torch.int32).to(torch.int16)
    f16, bf16 = every.view(torch.float16), every.view(torch.bfloat16)
    np.savez(path("every_f16.npz"), every=f16.numpy())
    good("every_f16.npz", "npz", {"every": f16}, [])
    safetensors("every_bf16.safetensors", {"every": bf16})
    good("every_bf16.safetensors", "safetensors", {"every": bf16}, [])

    # two modules: an encoder LSTM and a decoder GRU
    model = Wrap(enc=Wrap(lstm=torch.nn.LSTM(3, 2)), dec=Wrap(gru=torch.nn.GRU(2, 2)), fc=torch.nn.Linear(2, 1))
    sd = model.state_dict()
    torch.save(sd, path("two_modules.pt"))
    good("two_modules.pt", "PyTorch zip", sd, [("enc.lstm.", "lstm", 1, 2, 3, False, True),
                                               ("dec.gru.", "gru", 1, 2, 2, False, True)])


# ================================================================== bad

def bad(name, stage, status, words, module=None, reverse=0):
    manifest.append({"path": path(name), "stage": stage, "status": status, "words": words,
                     "module": module, "reverse": reverse})


def make_bad():
    with open(path("empty.pt"), "wb"):
        pass
    bad("empty.pt", "open", "EFORMAT", "empty file")

    model = Wrap(lstm=torch.nn.LSTM(3, 4, num_layers=2))
    torch.save(model.state_dict(), path("lstm.pt"))
    data = open(path("lstm.pt"), "rb").read()
    with open(path("truncated.pt"), "wb") as f:
        f.write(data[:len(data) // 2])
    bad("truncated.pt", "open", "EFORMAT", "a zip archive cut short")
    # one byte of weight_hh_l0's data flipped: listed, refused when read (CRC)
    z = zipfile.ZipFile(path("lstm.pt"))
    info = z.getinfo("lstm/data/1")
    b = bytearray(data)
    nl, el = struct.unpack("<HH", b[info.header_offset + 26:info.header_offset + 30])
    b[info.header_offset + 30 + nl + el + 5] ^= 0x40
    with open(path("crc.pt"), "wb") as f:
        f.write(b)
    bad("crc.pt", "net", "EFORMAT", "CRC")

    torch.save(state("gru", 2, 3), path("legacy.pt"), _use_new_zipfile_serialization=False)
    data = open(path("legacy.pt"), "rb").read()
    with open(path("legacy_truncated.pt"), "wb") as f:
        f.write(data[:-10])
    bad("legacy_truncated.pt", "open", "EFORMAT", "truncated")
    with open(path("legacy_trailing.pt"), "wb") as f:
        f.write(data + b"\0" * 3)
    bad("legacy_trailing.pt", "open", "EFORMAT", "3 bytes after the last storage")
    with open(path("legacy_cut_pickle.pt"), "wb") as f:
        f.write(data[:60])
    bad("legacy_cut_pickle.pt", "open", "EFORMAT", "pickle byte")

    torch.save(torch.nn.Linear(3, 2).state_dict(), path("no_module.pt"))
    bad("no_module.pt", "select", "EFORMAT", "no recurrent module (no NAME.weight_hh_l0 of nn.RNN, nn.LSTM or "
        "nn.GRU) among its 2 tensors: weight, bias")
    model = Wrap(enc=Wrap(lstm=torch.nn.LSTM(3, 2)), dec=Wrap(lstm=torch.nn.LSTM(2, 2)))
    torch.save(model.state_dict(), path("two.pt"))
    bad("two.pt", "select", "EUSAGE", "2 recurrent modules, enc.lstm (lstm), dec.lstm (lstm): pick one")
    bad("two.pt", "select", "EUSAGE", "--module lstm: ambiguous", module="lstm")
    bad("two.pt", "select", "EUSAGE", "--module gru: no such module", module="gru")
    bad("lstm.pt", "net", "EUSAGE", "not bidirectional", module="lstm", reverse=1)

    torch.save(torch.nn.LSTM(3, 4, proj_size=2).state_dict(), path("proj.pt"))
    bad("proj.pt", "select", "EFORMAT", "proj_size weights (weight_hr_l0) are not supported")

    sd = state("gru", 3, 4)
    sd["weight_hh_l0"] = torch.randn(5, 3)
    torch.save(sd, path("shape_hh.pt"))
    bad("shape_hh.pt", "select", "ESHAPE", "weight_hh_l0 is [5, 3]: its rows are not 1, 3 or 4 times")
    sd = state("lstm", 3, 2, L=2)
    sd["weight_ih_l1"] = torch.randn(8, 3)
    torch.save(sd, path("shape_ih1.pt"))
    bad("shape_ih1.pt", "select", "ESHAPE", "weight_ih_l1 is [8, 3], expected [8, 2]")
    sd = state("rnn", 3, 4)
    sd["bias_hh_l0"] = torch.randn(5)
    torch.save(sd, path("shape_bias.pt"))
    bad("shape_bias.pt", "select", "ESHAPE", "bias_hh_l0 is [5], expected [4]")
    sd = state("lstm", 3, 2, L=2)
    del sd["weight_ih_l1"]
    torch.save(sd, path("missing.pt"))
    bad("missing.pt", "select", "EFORMAT", "weight_ih_l1 is missing")
    sd = state("gru", 3, 2)
    del sd["bias_hh_l0"]
    torch.save(sd, path("half_bias.pt"))
    bad("half_bias.pt", "select", "EFORMAT", "only 1 of its 2 biases")
    torch.save(state("gru", 3, 2, L=2, bidirectional=True), path("bi_2l.pt"))
    bad("bi_2l.pt", "select", "EFORMAT", "2-layer bidirectional")
    sd = {k: (v * 10).to(torch.int64) for k, v in state("rnn", 2, 2).items()}
    torch.save(sd, path("int64.pt"))
    bad("int64.pt", "select", "EFORMAT", "dtype int64 (accepted: float64, float32, float16, bfloat16)")
    sd = {k: v.to(torch.int32) for k, v in state("rnn", 2, 2).items()}
    safetensors("int32.safetensors", sd)
    bad("int32.safetensors", "select", "EFORMAT", "dtype int32")

    sd = state("gru", 3, 4)
    sd["weight_hh_l0"][1, 2] = float("nan")
    torch.save(sd, path("nan.pt"))
    bad("nan.pt", "net", "ENONFINITE", "weight_hh_l0[1, 2] is NaN")
    sd = state("lstm", 2, 2)
    sd["bias_ih_l0"][5] = float("-inf")
    safetensors("inf.safetensors", sd)
    bad("inf.safetensors", "net", "ENONFINITE", "bias_ih_l0[5] is -inf")
    sd = state("rnn", 2, 2, dtype=torch.float16)
    sd["weight_ih_l0"][0, 1] = float("inf")
    np.savez(path("inf_f16.npz"), **{k: v.numpy() for k, v in sd.items()})
    bad("inf_f16.npz", "net", "ENONFINITE", "weight_ih_l0[0, 1] is +inf")

    # declared shapes and storages that do not fit
    s = FakeStorage("0", 6)
    crafted_pt("huge_shape.pt", {"weight_hh_l0": FakeTensor(s, 0, (1 << 40, 1 << 40), (1 << 40, 1))},
               {"0": bytes(24)})
    bad("huge_shape.pt", "open", "ETOOBIG", "overflow")
    crafted_pt("shape_past_storage.pt", {"weight_hh_l0": FakeTensor(s, 0, (4, 4), (4, 1))}, {"0": bytes(24)})
    bad("shape_past_storage.pt", "open", "EFORMAT", "needs 64 bytes of its storage, which holds 24")
    crafted_pt("offset_past_storage.pt", {"weight_hh_l0": FakeTensor(s, 5, (1, 2), (2, 1))}, {"0": bytes(24)})
    bad("offset_past_storage.pt", "open", "EFORMAT", "needs 28 bytes")
    crafted_pt("storage_size_lie.pt", {"w": FakeTensor(FakeStorage("0", 1000), 0, (2,), (1,))}, {"0": bytes(24)})
    bad("storage_size_lie.pt", "open", "EFORMAT", "holds 24 bytes, its 1000 float32 elements need 4000")
    crafted_pt("storage_missing.pt", {"w": FakeTensor(FakeStorage("7", 2), 0, (2,), (1,))}, {"0": bytes(8)})
    bad("storage_missing.pt", "open", "EFORMAT", "storage 'archive/data/7' is missing")
    crafted_pt("storage_key_path.pt", {"w": FakeTensor(FakeStorage("../data.pkl", 2), 0, (2,), (1,))},
               {"0": bytes(8)})
    bad("storage_key_path.pt", "open", "EFORMAT", "storage key has byte 0x2e")

    # safetensors limits
    sd = state("rnn", 2, 2)
    safetensors("st_huge_shape.safetensors", sd,
                fix=lambda h: h["weight_hh_l0"].__setitem__("shape", [1 << 40, 1 << 40]))
    bad("st_huge_shape.safetensors", "open", "ETOOBIG", "overflow")
    safetensors("st_outside.safetensors", sd,
                fix=lambda h: h["bias_hh_l0"].__setitem__("data_offsets", [h["bias_hh_l0"]["data_offsets"][0], 999]))
    bad("st_outside.safetensors", "open", "EFORMAT", "outside the")

    def overlap(h):
        h["weight_hh_l0"]["data_offsets"] = [0, 16]
    safetensors("st_overlap.safetensors", sd, fix=overlap)
    bad("st_overlap.safetensors", "open", "EFORMAT", "overlapping")

    def gap(h):
        h["bias_hh_l0"]["data_offsets"] = [h["bias_hh_l0"]["data_offsets"][0] + 4,
                                           h["bias_hh_l0"]["data_offsets"][1]]
        h["bias_hh_l0"]["shape"] = [1]
    safetensors("st_gap.safetensors", sd, fix=gap)
    bad("st_gap.safetensors", "open", "EFORMAT", "a gap")
    safetensors("st_bad_dtype.safetensors", sd, fix=lambda h: h["bias_hh_l0"].__setitem__("dtype", "F128"))
    bad("st_bad_dtype.safetensors", "open", "EFORMAT", "unknown safetensors dtype 'F128'")
    safetensors("st_bad_meta.safetensors", sd, metadata={"epoch": 3})
    bad("st_bad_meta.safetensors", "open", "EFORMAT", "__metadata__ 'epoch' is not a string")
    with open(path("st_header_huge.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", 200_000_000) + b"{}")
    bad("st_header_huge.safetensors", "open", "ETOOBIG", "header of 200000000 bytes (limit 100000000)")
    with open(path("st_header_trunc.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", 5000) + b'{"a": 1}')
    bad("st_header_trunc.safetensors", "open", "EFORMAT", "truncated safetensors header")
    with open(path("st_dup.safetensors"), "wb") as f:
        h = b'{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, ' \
            b'"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}'
        f.write(struct.pack("<Q", len(h)) + h + bytes(4))
    bad("st_dup.safetensors", "open", "EFORMAT", "duplicate")

    # npz: lying sizes, CRC, bzip2, encryption, huge declared shapes
    sd = state("gru", 2, 2)
    arrays = {k + ".npy": npy_bytes(v.numpy()) for k, v in sd.items()}
    members = [{"name": k, "data": v, "method": 8} for k, v in arrays.items()]
    bomb = dict(members[1])
    bomb["data"] = arrays["weight_hh_l0.npy"] + bytes(8 << 20)
    bomb["size"], bomb["crc"] = len(arrays["weight_hh_l0.npy"]), zlib.crc32(arrays["weight_hh_l0.npy"])
    zip_members([members[0], bomb] + members[2:], "bomb.npz")
    bad("bomb.npz", "net", "EFORMAT", "holds more than its declared")
    lie = dict(members[1], crc=zlib.crc32(arrays["weight_hh_l0.npy"]) ^ 1)
    zip_members([members[0], lie] + members[2:], "crc.npz")
    bad("crc.npz", "net", "EFORMAT", "CRC")
    short = dict(members[1], size=len(arrays["weight_hh_l0.npy"]) + 64)
    zip_members([members[0], short] + members[2:], "short.npz")
    bad("short.npz", "open", "EFORMAT", "112 bytes of data for 12 elements of float32")
    # sizes the compressed bytes cannot hold: refused before anything is allocated
    hdr = b"{'descr': '<f8', 'fortran_order': False, 'shape': (134217728,), }"
    hdr = b"\x93NUMPY\x01\x00" + struct.pack("<H", 118) + hdr + b" " * (117 - len(hdr)) + b"\n"
    zip_members([{"name": "weight_hh_l0.npy", "data": hdr + bytes(64), "method": 8, "size": 128 + (1 << 30)}],
                "gigabyte_from_bytes.npz")
    bad("gigabyte_from_bytes.npz", "open", "EFORMAT", "declares 1073741952 bytes from")
    zip_members([{"name": "weight_hh_l0.npy", "data": hdr + bytes(64), "size": 128 + 64 + 8}], "stored_lie.npz")
    bad("stored_lie.npz", "open", "EFORMAT", "declares 200 bytes from 192 stored bytes")
    zip_members([dict(m, flags=1) for m in members], "encrypted.npz")
    bad("encrypted.npz", "open", "EFORMAT", "encrypted")
    with zipfile.ZipFile(path("bzip2.npz"), "w", zipfile.ZIP_BZIP2) as z:
        for k, v in arrays.items():
            z.writestr(k, v)
    bad("bzip2.npz", "open", "EFORMAT", "bzip2 (accepted: stored, deflated)")
    for name, shape, status, words in (("npz_huge_shape.npz", "(99999999999, 99999999999)", "ETOOBIG", "overflow"),
                                       ("npz_long_shape.npz", "(99999999999, 2)", "EFORMAT", "needs 799999999992")):
        hdr = ("{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % shape).encode()
        hdr += b" " * (118 - len(hdr)) + b"\n"
        zip_members([{"name": "weight_hh_l0.npy", "data": b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr}],
                    name)
        bad(name, "open", status, words)
    zip_members([{"name": "w.npy", "data": npy_bytes(np.zeros(3, dtype="<U4"))}], "npz_unicode.npz")
    bad("npz_unicode.npz", "open", "EFORMAT", "unsupported npy dtype '<U4'")
    zip_members([{"name": "a.npy", "data": b"x"}, {"name": "a.npy", "data": b"y"}], "dup_members.npz")
    bad("dup_members.npz", "open", "EFORMAT", "same name")

    # cut short, or pointing outside the file
    np.savez(path("lstm_for_cut.npz"), **{k: v.numpy() for k, v in state("lstm", 3, 2).items()})
    data = open(path("lstm_for_cut.npz"), "rb").read()
    with open(path("truncated.npz"), "wb") as f:
        f.write(data[:len(data) // 2])
    bad("truncated.npz", "open", "EFORMAT", "a zip archive cut short: it begins as one but its directory")
    eocd = data.rindex(b"PK\x05\x06")
    with open(path("cd_outside.npz"), "wb") as f:
        f.write(data[:eocd + 16] + struct.pack("<I", len(data) + 1000) + data[eocd + 20:])
    bad("cd_outside.npz", "open", "EFORMAT", "not a readable zip archive: Zip archive inconsistent")
    st = safetensors_bytes(state("gru", 2, 3))
    with open(path("st_truncated.safetensors"), "wb") as f:
        f.write(st[:-10])
    bad("st_truncated.safetensors", "open", "EFORMAT", "data_offsets [216, 252] outside the 242 bytes of data")
    # a data.pkl that inflates past its declared size (a zip bomb's lie)
    pkl = pickle.dumps({"a": [0] * 50000}, protocol=2)
    zip_members([{"name": "archive/data.pkl", "data": pkl, "method": 8, "size": 100, "crc": zlib.crc32(pkl[:100])},
                 {"name": "archive/version", "data": b"3\n"}], "bomb.pt")
    bad("bomb.pt", "open", "EFORMAT", "holds more than its declared")
    # sizes beyond the engine's: a hidden size of 5000 (one element repeated,
    # stride 0, so the file stays small) and a 71st layer
    s1 = FakeStorage("0", 1, "DoubleStorage")
    crafted_pt("hidden_5000.pt", {"weight_ih_l0": FakeTensor(s1, 0, (5000, 3), (0, 0)),
                                  "weight_hh_l0": FakeTensor(s1, 0, (5000, 5000), (0, 0))}, {"0": bytes(8)})
    bad("hidden_5000.pt", "select", "ETOOBIG", "hidden size 5000 and input size 3 (limits 4096 and 4096)")
    torch.save({k.replace("_l0", "_l70"): v for k, v in state("rnn", 2, 2).items()}, path("layer_70.pt"))
    bad("layer_70.pt", "select", "ETOOBIG", "layer 70: more than 64 layers")

    # what is not a checkpoint at all
    with open(path("plain.pt"), "wb") as f:
        pickle.dump({"weight_hh_l0": [1.0, 2.0]}, f, protocol=2)
    bad("plain.pt", "open", "EFORMAT", "a pickle without torch.save's magic number")
    torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), path("script.pt"))
    bad("script.pt", "open", "EFORMAT", "TorchScript")
    torch.save(torch.nn.GRU(2, 2), path("whole_module.pt"))
    bad("whole_module.pt", "open", "EFORMAT", "refused global 'torch.nn.modules.rnn.GRU'")
    with open(path("w.npy"), "wb") as f:
        f.write(npy_bytes(np.eye(2)))
    bad("w.npy", "open", "EFORMAT", "a bare .npy matrix")
    with open(path("w.csv"), "w") as f:
        f.write("1,0\n0,1\n")
    bad("w.csv", "open", "EFORMAT", "not a PyTorch checkpoint, safetensors or npz file")
    os.makedirs(path("dir.pt"), exist_ok=True)
    bad("dir.pt", "open", "EIO", "is a directory, expected a model file")
    bad("does_not_exist.pt", "open", "EIO", "No such file")


# ============================================================ malicious

class Command:
    """A __reduce__ payload: unpickling runs fn(*args)."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def prove(name, load, marker):
    """Loads the file the way Python would, which must create marker; then
    removes it for the C side to watch."""
    if os.path.exists(marker):
        os.remove(marker)
    try:
        load()
    except Exception:
        pass  # the payload ran before whatever failed after it
    if not os.path.exists(marker):
        sys.exit("load_files.py: the payload of %s did not run under Python" % name)
    os.remove(marker)
    manifest.append({"path": path(name), "marker": marker})


def torch_zip(name, pkl):
    with zipfile.ZipFile(path(name), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/version", "3\n")


def legacy_file(name, pickles, data=b""):
    with open(path(name), "wb") as f:
        for p in pickles:
            f.write(p)
        f.write(data)


def make_malicious():
    import builtins
    import subprocess
    tload = lambda name: (lambda: torch.load(path(name)))  # noqa: E731
    magic = [pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2), pickle.dumps(1001, protocol=2),
             pickle.dumps({"protocol_version": 1001, "little_endian": True,
                           "type_sizes": {"short": 2, "int": 4, "long": 8}}, protocol=2)]

    def marker(tag):
        return path("pwned_" + tag)

    m = marker("os_system")
    torch_zip("os_system.pt", pickle.dumps(Command(os.system, "touch " + m), protocol=2))
    prove("os_system.pt", tload("os_system.pt"), m)

    m = marker("eval")
    torch_zip("eval.pt", pickle.dumps(Command(builtins.eval, "open(%r, 'w').close()" % m), protocol=2))
    prove("eval.pt", tload("eval.pt"), m)

    # a real state dict with one more entry: the payload, after the tensors
    m = marker("injected")
    sd = state("rnn", 2, 2)
    sd["zz"] = Command(subprocess.call, ["touch", m])
    torch.save(sd, path("injected.pt"))
    prove("injected.pt", tload("injected.pt"), m)

    m = marker("stack_global")
    torch_zip("stack_global.pt", pickle.dumps(Command(os.system, "touch " + m), protocol=4))
    prove("stack_global.pt", tload("stack_global.pt"), m)

    m = marker("inst")  # protocol 0: INST builds any class with arguments
    inst = ("(S'touch %s'\nios\nsystem\n." % m).encode()
    torch_zip("inst.pt", inst)
    prove("inst.pt", lambda: pickle.loads(inst), m)

    m = marker("legacy")
    legacy_file("legacy_payload.pt", magic + [pickle.dumps(Command(os.system, "touch " + m), protocol=2),
                                              pickle.dumps([], protocol=2)])
    prove("legacy_payload.pt", tload("legacy_payload.pt"), m)

    m = marker("sysinfo")  # the payload in the writer's system information
    legacy_file("sysinfo_payload.pt", magic[:2] + [pickle.dumps(Command(os.system, "touch " + m), protocol=2),
                                                   pickle.dumps({}, protocol=2), pickle.dumps([], protocol=2)])
    prove("sysinfo_payload.pt", tload("sysinfo_payload.pt"), m)

    # a nested file: torch.storage._load_from_bytes unpickles the bytes it is given
    m = marker("nested")
    inner = io.BytesIO()
    for p in magic + [pickle.dumps(Command(os.system, "touch " + m), protocol=2), pickle.dumps([], protocol=2)]:
        inner.write(p)
    nested = pickle.dumps(Command(torch.storage._load_from_bytes, inner.getvalue()), protocol=2)
    torch_zip("nested.pt", nested)
    prove("nested.pt", tload("nested.pt"), m)


if __name__ == "__main__":
    torch.manual_seed(20240601)
    torch.set_num_threads(1)
    OUT = sys.argv[1]
    {"good": make_good, "bad": make_bad, "malicious": make_malicious}[sys.argv[2]]()
    with open(path("manifest.json"), "w") as f:
        json.dump(manifest, f)
