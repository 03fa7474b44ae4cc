#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets: tests/fuzz/<name>/*.

Seeds are small valid inputs plus one of each malformation a user or a
hostile file can produce, so the fuzzer starts next to every branch.  The
files are checked in; rerun this after changing it (python3 tests/fuzz/seeds.py).
No numpy needed: .npy files are written byte by byte from the format spec.
Regression inputs (crashes found) live in tests/fuzz/<name>/regressions/ and
are never touched here.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, fname, data):
    d = os.path.join(HERE, name)
    os.makedirs(os.path.join(d, "regressions"), exist_ok=True)
    keep = os.path.join(d, "regressions", ".keep")
    if not os.path.exists(keep):
        open(keep, "w").close()
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data)


# ---- .npy ----

def npy(rows, cols=None, descr="<f8", fortran=False, version=1, values=None, shape=None,
        hdr_extra=""):
    shape = shape if shape is not None else (rows, cols)
    shp = "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, %s}" % (
        descr, "True" if fortran else "False", shp, hdr_extra)
    pre = 6 + 2 + (2 if version == 1 else 4)
    pad = (64 - (pre + len(d) + 1) % 64) % 64
    h = (d + " " * pad + "\n").encode()
    out = b"\x93NUMPY" + bytes([version, 0])
    out += struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h))
    out += h
    n = 1
    for s in shape:
        n *= s
    if values is None:
        values = [0.5 * (i + 1) * (-1) ** i for i in range(n)]
    code = {"f8": "d", "f4": "f", "i8": "q", "i4": "i"}[descr[1:]]
    endian = ">" if descr[0] == ">" else "<"
    out += struct.pack(endian + code * len(values), *values)
    return out


def npy_seeds():
    write("npy", "ok_f8_c_3x3.npy", npy(3, 3))
    write("npy", "ok_f4_c_2x2.npy", npy(2, 2, "<f4"))
    write("npy", "ok_f8_fortran_2x3.npy", npy(2, 3, fortran=True))
    write("npy", "ok_be_f8_2x2.npy", npy(2, 2, ">f8"))
    write("npy", "ok_be_f4_fortran.npy", npy(2, 2, ">f4", fortran=True))
    write("npy", "ok_v2_2x2.npy", npy(2, 2, version=2))
    write("npy", "ok_v3_1x1.npy", npy(1, 1, version=3))
    write("npy", "ok_tiny_values.npy", npy(2, 2, values=[1e-300, -1e300, 5e-324, 0.0]))
    write("npy", "bad_1d.npy", npy(0, shape=(4,)))
    write("npy", "bad_3d.npy", npy(0, shape=(2, 2, 2)))
    write("npy", "bad_int64.npy", npy(2, 2, "<i8", values=[1, 2, 3, 4]))
    write("npy", "bad_nan.npy", npy(2, 2, values=[1.0, float("nan"), 0.0, 1.0]))
    write("npy", "bad_inf.npy", npy(2, 2, values=[1.0, float("inf"), 0.0, 1.0]))
    write("npy", "bad_truncated_data.npy", npy(3, 3)[:-5])
    write("npy", "bad_truncated_header.npy", npy(3, 3)[:30])
    write("npy", "bad_huge_shape.npy", npy(0, shape=(100000, 100000), values=[]))
    write("npy", "bad_overflow_shape.npy", npy(0, shape=(2**62, 2**62), values=[]))
    write("npy", "bad_zero_shape.npy", npy(0, shape=(0, 3), values=[]))
    write("npy", "bad_magic.npy", b"\x93NUMPZ" + npy(1, 1)[6:])
    write("npy", "bad_version.npy", npy(1, 1)[:6] + b"\x09\x00" + npy(1, 1)[8:])
    hdr = bytearray(npy(2, 2))
    hdr[8:10] = struct.pack("<H", 60000)
    write("npy", "bad_header_len.npy", bytes(hdr))
    write("npy", "bad_trailing_bytes.npy", npy(2, 2) + b"\x00" * 8)
    write("npy", "bad_object_dtype.npy", npy(1, 1).replace(b"'<f8'", b"'|O' "))
    write("npy", "bad_header_garbage.npy", npy(2, 2).replace(b"'shape'", b"'shape\""))
    write("npy", "empty.npy", b"")


# ---- .csv ----

def csv_seeds():
    write("csv", "ok_3x3.csv", "0.5,-1,2\n1e-3,0,3.25\n-0.125,7,1\n")
    write("csv", "ok_comments.csv", "# W for a test\n1,2\n# between\n3,4\n")
    write("csv", "ok_blank_last_line.csv", "1,0\n0,1\n\n")
    write("csv", "ok_no_final_newline.csv", "1,0\n0,1")
    write("csv", "ok_exponents.csv", "1e-300,-2.5E+300\n4.9e-324,0\n")
    write("csv", "ok_1x1.csv", "42\n")
    write("csv", "ok_nonsquare_2x3.csv", "1,2,3\n4,5,6\n")
    write("csv", "ok_crlf.csv", "1,2\r\n3,4\r\n")
    write("csv", "ok_spaces.csv", "1, 2\n3 ,4\n")
    write("csv", "bad_nan.csv", "1,nan\n0,1\n")
    write("csv", "bad_inf.csv", "1,inf\n0,1\n")
    write("csv", "bad_overflow.csv", "1,1e400\n0,1\n")
    write("csv", "bad_ragged.csv", "1,2,3\n4,5\n")
    write("csv", "bad_text.csv", "a,b\nc,d\n")
    write("csv", "bad_trailing_garbage.csv", "1,2x\n3,4\n")
    write("csv", "bad_empty_field.csv", "1,,2\n3,4,5\n")
    write("csv", "bad_trailing_comma.csv", "1,2,\n3,4,\n")
    write("csv", "bad_hex.csv", "0x10,1\n0,1\n")
    write("csv", "bad_blank_middle.csv", "1,2\n\n3,4\n")
    write("csv", "bad_nul.csv", b"1,2\n3,\x004\n")
    write("csv", "empty.csv", "")
    write("csv", "only_comment.csv", "# nothing\n")
    write("csv", "bad_wide.csv", ",".join(["1"] * 5000) + "\n")


# ---- JSON model ----

def model_json(d=2, n=1, T=3, act="tanh", wrap=True, extra=""):
    W = [[0.5 if i == j else 0.1 for j in range(d)] for i in range(d)]
    U = [[0.25] * n for _ in range(d)]
    x = [[0.1 * (j + 1)] * n for j in range(T)]
    body = ('"activation": "%s", "W": %s, "U": %s, "b": %s, "s0": %s, "x": %s, "y": %s%s'
            % (act, W, U, [0.0] * d, [0.0] * d, x, [1.0] * d, extra))
    return ('{"model": {%s}}' % body) if wrap else ("{%s}" % body)


def net_json(cell, L, d=2, n=1, T=3, named=True, extra="", drop=None):
    """A network in PyTorch's names: every layer's weights and biases, h0
    (and c0), x, y; cell and layers named unless named is False."""
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    m = {}
    for l in range(L):
        m["weight_ih_l%d" % l] = [[0.1 * (r + 1)] * (n if l == 0 else d) for r in range(G * d)]
        m["weight_hh_l%d" % l] = [[0.2 if r % d == c else 0.0 for c in range(d)] for r in range(G * d)]
        m["bias_ih_l%d" % l] = [0.5] * (G * d)
        m["bias_hh_l%d" % l] = [-0.25] * (G * d)
    m["h0"] = [[0.0] * d for _ in range(L)]
    if cell == "lstm":
        m["c0"] = [[0.0] * d for _ in range(L)]
    m["x"] = [[0.1 * (j + 1)] * n for j in range(T)]
    m["y"] = [0.5] * d
    if drop:
        del m[drop]
    body = ", ".join('"%s": %s' % (k, v) for k, v in m.items())
    if named:
        body = '"cell": "%s", "layers": %d, %s' % (cell, L, body)
    return '{"model": {%s%s}}' % (body, extra)


def modeljson_seeds():
    write("modeljson", "ok_model.json", model_json())
    write("modeljson", "ok_bare_model.json", model_json(wrap=False))
    write("modeljson", "ok_sigmoid_3x2.json", model_json(3, 2, 4, "sigmoid"))
    write("modeljson", "ok_params.json", '{"params": {"activation": "relu", "hidden": 2, "steps": 3, "seed": 7}, '
          + model_json(act="relu")[1:])
    write("modeljson", "bad_nonsquare.json",
          '{"model": {"W": [[1,2,3],[4,5,6]], "U": [[1],[1]], "x": [[1]], "y": [0,0]}}')
    write("modeljson", "bad_string_entry.json",
          '{"model": {"W": [[1,"a"],[0,1]], "U": [[1],[1]], "x": [[1]], "y": [0,0]}}')
    write("modeljson", "bad_missing_W.json", '{"model": {"U": [[1]], "x": [[1]], "y": [0]}}')
    write("modeljson", "bad_nan_token.json", '{"model": {"W": [[NaN]], "U": [[1]], "x": [[1]], "y": [0]}}')
    write("modeljson", "bad_overflow.json", '{"model": {"W": [[1e400]], "U": [[1]], "x": [[1]], "y": [0]}}')
    write("modeljson", "bad_truncated.json", model_json()[:-20])
    write("modeljson", "bad_activation.json", model_json(act="softmax"))
    write("modeljson", "bad_unknown_member.json", model_json(extra=', "Z": 1'))
    write("modeljson", "bad_empty_arrays.json", '{"model": {"W": [], "U": [], "x": [], "y": []}}')
    write("modeljson", "bad_ragged_x.json",
          '{"model": {"W": [[1]], "U": [[1, 2]], "x": [[1, 2], [3]], "y": [0]}}')
    write("modeljson", "bad_top_array.json", "[1, 2, 3]")
    write("modeljson", "bad_not_json.json", "W = [[1]]\n")
    write("modeljson", "bad_deep.json", "[" * 3000 + "]" * 3000)
    write("modeljson", "bad_nul.json", b'{"model": {"W": [[1\x00]]}}')
    write("modeljson", "empty.json", "")
    # networks in PyTorch's names (vxr_net_parse_json)
    write("modeljson", "ok_net_lstm_2l.json", net_json("lstm", 2))
    write("modeljson", "ok_net_gru.json", net_json("gru", 1, d=2, n=2))
    write("modeljson", "ok_net_rnn_3l.json", net_json("rnn", 3, extra=', "activation": "relu"'))
    write("modeljson", "ok_net_shapes_only.json", net_json("gru", 2, named=False))
    write("modeljson", "ok_net_params.json", '{"params": {"cell": "lstm", "layers": 1, "forget_bias": 2}, '
          + net_json("lstm", 1)[1:])
    write("modeljson", "bad_net_missing_l1.json", net_json("rnn", 2, drop="weight_hh_l1"))
    write("modeljson", "bad_net_rows.json", net_json("lstm", 1, extra=', "cell": "gru"', named=False))
    write("modeljson", "bad_net_c0_gru.json", net_json("gru", 1, extra=', "c0": [[0, 0]]'))
    write("modeljson", "bad_net_layers.json", net_json("rnn", 2, named=False, extra=', "layers": 1'))
    write("modeljson", "bad_net_key.json", net_json("rnn", 1, extra=', "weight_hh_l01": [[1]]'))
    write("modeljson", "bad_net_act.json", net_json("lstm", 1, extra=', "activation": "tanh"'))
    write("modeljson", "bad_net_h0.json", net_json("gru", 2, drop="h0", extra=', "h0": [[0, 0]]'))
    write("modeljson", "bad_net_gates.json", '{"model": {"weight_ih_l0": [[1], [1]], "weight_hh_l0": '
          '[[1, 0, 0], [0, 1, 0]], "x": [[1]], "y": [0, 0, 0]}}')


# ---- option values: "name=value" per line ----

def params_seeds():
    write("params", "ok_all.txt", "act=sigmoid\nhidden=16\ninputs=3\nsteps=200\nt=100\nnorm=0.9\n"
          "init=orthogonal\ninput-scale=0\nseed=42\n")
    write("params", "ok_files.txt", "weights=W.npy\nmodel=m.json\n")
    write("params", "ok_extremes.txt", "norm=1e300\nsteps=10000000\nhidden=4096\nnorm=1e-300\nt=1\n")
    write("params", "bad_t_after_steps.txt", "steps=10\nt=99\n")
    write("params", "bad_values.txt", "hidden=0\nhidden=-3\nhidden=8x\nnorm=nan\nnorm=-1\nnorm=inf\n"
          "seed=-1\nsteps=1e30\nact=softmax\ninit=\nhidden=99999999999999999999999\n")
    write("params", "bad_unknown.txt", "bogus=1\n=3\nact\n")
    write("params", "bad_long_path.txt", "weights=" + "a" * 5000 + "\n")
    write("params", "ok_spaces.txt", "norm= 2\nhidden=8 \n")


# ---- TeX-subset math: first byte = target (0 MathML, 1 Unicode, 2 ASCII,
# 3 LaTeX) + 4 for display ----

MATH = [
    r"\frac{\partial L_t}{\partial W} = \sum_{k=1}^{t} \frac{\partial L_t}{\partial s_t}"
    r" \frac{\partial s_t}{\partial s_k} \frac{\partial^+ s_k}{\partial W}",
    r"\frac{\partial s_t}{\partial s_k} = \prod_{j=k+1}^{t} \frac{\partial s_j}{\partial s_{j-1}}",
    r"J_j = \operatorname{diag}(\sigma'(a_j)) W",
    r"\left\| \frac{\partial s_t}{\partial s_k} \right\|_2 \le (\gamma\lambda)^{t-k}",
    r"\lVert W \rVert_2 \le \lambda, \quad \gamma = \max \sigma' = \frac{1}{4}",
    r"\begin{pmatrix} a & b \\ c & d \end{pmatrix} \cdots \vdots \ddots",
    r"z = x^2 + y^2, \theta = (x, y), \sqrt{x} \approx 0.5^{10} \times 2 \ne \infty",
    r"\mathbf{W} \in \mathrm{R}^{d \times d} \text{ for all } j \to \infty",
    r"\alpha\beta\delta\epsilon\eta\kappa\mu\nu\pi\rho\tau\phi\chi\psi\omega\Gamma\Delta\Lambda\Sigma\Phi\Omega",
    r"a < b > c \ge d \le e & f",
    r"\frac{1}{",
    r"\unknowncommand x",
    r"x^",
    r"\left( x",
    r"\begin{pmatrix} 1 & 2 \\ 3",
    r"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{x}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}",
    r"x_{1_{2_{3_{4_{5}}}}}",
    "\u00e9t\u00e9 \u2202",
    "",
]


def math_seeds():
    for i, src in enumerate(MATH):
        for t in range(4):
            mode = t + (4 if i % 2 else 0)
            write("math", "s%02d_t%d.tex" % (i, mode), bytes([mode]) + src.encode())


# ---- command lines: arguments after "vanex", separated by NUL bytes ----

CLI = [
    [],
    ["check"],
    ["check", "--act", "sigmoid", "--hidden", "16", "--steps", "200", "--t", "100", "--norm", "0.9", "--json"],
    ["check", "--act=relu", "--init=identity", "--seed=7", "--input-scale=0"],
    ["check", "--weights", "W.npy", "--norm", "1e300"],
    ["check", "--model", "m.json", "--t", "3"],
    ["report", "-f", "html", "-o", "handout.html"],
    ["report", "-fmd", "-oout.md", "--template", "my.md"],
    ["report", "-o", "x.tex"],
    ["tutor", "--step", "4", "--no-color"],
    ["--step", "99"],
    ["--help"],
    ["check", "--help"],
    ["help", "report"],
    ["help", "bogus"],
    ["--version"],
    ["check", "--norm"],
    ["check", "--norm", "-1"],
    ["check", "--norm", "--json"],
    ["check", "--bogus"],
    ["check", "-x"],
    ["check", "--json=1"],
    ["report", "--json"],
    ["check", "--", "extra"],
    ["frobnicate"],
    ["check", "--hidden", "8x"],
    ["check", "--seed", "-1"],
    ["check", "--steps", "10", "--t", "99"],
    ["check", "--weights", "a" * 5000],
    ["report", "-o", ""],
    ["tutor", "--step", "0"],
]


def cli_seeds():
    for i, args in enumerate(CLI):
        write("cli", "args%02d" % i, "\0".join(args))


# ---- templates: the built-in steps plus one of each construct and mistake ----

TPL = {
    "ok_front_matter.md": "---\nact: sigmoid\nnorm: 4\nsteps: 100\nseed: 7\ntitle: Saturation\nj: 3\nk: 2\npanel: dact\n# comment\n---\n# Title\n\nText {{gamma}}.\n",
    "ok_placeholders.md": "{{gamma}} {{lambda:.5}} {{gamma_lambda:sci}} {{loss:.2sci}} {{t:int}} {{grad_norm:full}}\n"
                          "{{path.norm k=1}} {{dact.max j=t}} {{path.bound k=(t-1)}} {{1/grad_norm:.2}} {{act}} {{date}}\n",
    "ok_math.md": "Inline $\\gamma\\lambda = {{gamma_lambda}}$ and display\n\n$$\\prod_{j=k+1}^{t} J_j = x^{{t}}$$\n\nA dollar \\$5.\n",
    "ok_if.md": "{{#if gamma_lambda < 0.999}}\nvanish\n{{else if gamma_lambda > 1.001}}\nexplode\n{{else}}\none\n{{/if}}\n"
                "{{paths}} {{#if paths == 1}}term{{else}}terms{{/if}} {{#if act == \"tanh\" and not (t > 3)}}x{{/if}}\n",
    "ok_blocks.md": "{{table paths rows=4}}\n\n{{table steps}}\n\n{{table inits}}\n\n{{matrix W D j=2 size=2}}\n\n"
                    "{{matrix dsds k=1}}\n\n{{plot norms}}\n\n{{plot dact j=1}}\n\n{{plot contrib}}\n\n"
                    "{{plot eigen}}\n\n{{plot powers}}\n\n{{record}}\n",
    "ok_comment_escape.md": "{{! a comment }} \\{{ literal `code $x$` \n```\n$not math$ {{gamma}}\n```\n",
    "ok_funcs.md": "{{min(1, 2)}} {{max(gamma, 2)^2}} {{abs(-3)}} {{log10(lambda)}} {{ln(2)}} {{exp(1)}} {{sqrt(2)}} {{floor(2.5)}} {{ceil(2.5)}}\n",
    "bad_unknown_name.md": "{{bogus}}\n",
    "bad_unclosed.md": "text {{gamma\n",
    "bad_format.md": "{{gamma:.99}}\n",
    "bad_if.md": "{{#if gamma}}\nno end\n",
    "bad_endif.md": "{{/if}}\n",
    "bad_k_expr.md": "{{path.norm k=(t+1)}} {{dact.max j=0}}\n",
    "bad_math.md": "$\\frac{1}{$\n",
    "bad_open_math.md": "$x + y\n",
    "bad_front_matter.md": "---\nnorm: -1\n---\n",
    "bad_front_key.md": "---\nbogus: 1\n---\n",
    "bad_front_panel.md": "---\npanel: sigma\n---\n## Heading\n",
    "bad_front_unclosed.md": "---\nact: tanh\n",
    "bad_block_inline.md": "text {{table paths}} text\n",
    "bad_token.md": "VXQ00000Q VXQ99999Q\n",
    "bad_html.md": "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=\"http://example.com/x.png\">\n",
    "bad_deep_if.md": "{{#if 1}}" * 200 + "{{/if}}" * 200 + "\n",
    "bad_expr.md": "{{((((((((((1))))))))))}} {{1/0}} {{0^-1}} {{-}} {{1 +}} {{\"str\" + 1}}\n",
    "ok_cite.md": "As Pascanu, Mikolov and Bengio {{cite pascanu2013}} and two {{cite hochreiter1991 bengio1994}}.\n\n"
                  "{{references}}\n",
    "bad_cite.md": "{{cite nobody}} $x {{cite le2015}}$\n",
    "empty.md": "",
}


def tpl_seeds():
    tdir = os.path.join(HERE, "..", "..", "templates")
    for f in sorted(os.listdir(tdir)):
        if f.endswith(".md") and f != "README.md":
            with open(os.path.join(tdir, f), "rb") as fh:
                write("tpl", "builtin-" + f, fh.read())
    for name, text in TPL.items():
        write("tpl", name, text)


# ---- input sequences (--inputs-file): .npy of T x n or B x T x n, and .csv ----

def inputs_seeds():
    write("inputs", "ok_seq_f8.npy", npy(4, 2))
    write("inputs", "ok_batch_f4.npy", npy(0, descr="<f4", shape=(2, 3, 2)))
    write("inputs", "ok_batch_fortran_be.npy", npy(0, descr=">f8", fortran=True, shape=(2, 2, 3)))
    write("inputs", "ok_batch_v2.npy", npy(0, version=2, shape=(1, 3, 1)))
    write("inputs", "ok_seq.csv", "# x\n0.5,-1\n2e-3,3\n\n")
    write("inputs", "bad_1d.npy", npy(0, shape=(4,)))
    write("inputs", "bad_4d.npy", npy(0, shape=(1, 1, 2, 2)))
    write("inputs", "bad_empty.npy", npy(0, shape=(2, 0, 3), values=[]))
    write("inputs", "bad_nan.npy", npy(0, shape=(2, 2, 1), values=[1.0, 2.0, float("nan"), 0.0]))
    write("inputs", "bad_huge_batch.npy", npy(0, shape=(5000, 2, 2), values=[]))
    write("inputs", "bad_huge_total.npy", npy(0, shape=(4096, 10000, 4), values=[]))
    write("inputs", "bad_truncated.npy", npy(0, shape=(2, 3, 2))[:-3])
    write("inputs", "bad_ragged.csv", "1,2\n3\n")


if __name__ == "__main__":
    npy_seeds()
    csv_seeds()
    modeljson_seeds()
    params_seeds()
    math_seeds()
    cli_seeds()
    tpl_seeds()
    inputs_seeds()
