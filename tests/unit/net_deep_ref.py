"""Checks what vx_net_analyse computed for one-layer networks whose units or
gates saturate beyond the doubles (JSON files written by
test_engine_net_torch.c) against 50-digit mpmath.

From the same weights, inputs and initial state (doubles, so exact here) it
runs the cell in mpmath, forms each step Jacobian dS_j/dS_{j-1} from the
cell's derivatives (sigma'(a) = sigma(a) sigma(-a), tanh'(a) = 1/cosh(a)^2,
PyTorch's gate order and GRU convention), multiplies them, and takes 2-norms
by mpmath's SVD: every |J_j|, every |dS_t/dS_k| with its h and c blocks,
and the loss; the gradient of every parameter by a backward pass written out
gate by gate, its Frobenius norm and the path terms of weight_hh.  Values near 1e-400 to 1e-5000 are compared
as log10, to 1e-9 relative in the value (4.3e-10 in log10).  Prints the
largest error per quantity; exits 1 on any disagreement.
"""
import json
import sys

import mpmath as mp

mp.mp.dps = 50
TOL = 1e-9 / 2.302585092994046
worst = {}
flagged = {}
bad = []


def sig(a):
    return 1 / (1 + mp.exp(-a))


def dsig(a):
    return sig(a) * sig(-a)


def dtanh(a):
    return 1 / mp.cosh(a) ** 2


def vec(v):
    return [mp.mpf(x) for x in v]


def mat(m):
    return [[mp.mpf(x) for x in row] for row in m]


def mv(M, v):
    return [mp.fsum(M[i][q] * v[q] for q in range(len(v))) for i in range(len(M))]


def mtv(M, v):
    return [mp.fsum(M[i][q] * v[i] for i in range(len(M))) for q in range(len(M[0]))]


def log10norm(M):
    A = mp.matrix(M)
    s = mp.svd_r(A, compute_uv=False)
    top = max(abs(x) for x in s)
    return mp.log10(top) if top > 0 else None


def note(label, what, got, want, case=None):
    # a quantity the case lists under "limits" may be 0 (None) where the
    # engine says its derivatives underflowed (underflow_steps > 0)
    if (case is not None and got is None and want is not None and case["underflow_steps"] > 0
            and what in case["limits"].split(",")):
        flagged[what] = flagged.get(what, 0) + 1
        return
    if want is None or got is None:
        err = 0.0 if got is None and want is None else float("inf")
    else:
        err = float(abs(mp.mpf(got) - want))
    worst[what] = max(worst.get(what, 0.0), err)
    if not err <= TOL:
        bad.append("%s: %s: log10 %r, mpmath %s" % (label, what, got, mp.nstr(want, 20) if want is not None else None))


def run(case):
    cell, d, t = case["cell"], case["d"], case["t"]
    ly = case["layers"][0]
    Wi, Wh, bi, bh = mat(ly["weight_ih"]), mat(ly["weight_hh"]), vec(ly["bias_ih"]), vec(ly["bias_hh"])
    xs = mat(case["x"])
    y = vec(case["y"])
    h = vec(ly["h0"])
    c = vec(ly["c0"]) if cell == "lstm" else None
    tape = []
    for x in xs:
        ai, ah = [p + q for p, q in zip(mv(Wi, x), bi)], [p + q for p, q in zip(mv(Wh, h), bh)]
        st = {"x": x, "h": h, "c": c, "ai": ai, "ah": ah}
        if cell == "rnn":
            a = [p + q for p, q in zip(ai, ah)]
            st["a"] = a
            hn = [mp.tanh(v) if case["act"] == "tanh" else sig(v) for v in a]
        elif cell == "lstm":
            a = [p + q for p, q in zip(ai, ah)]
            st["a"] = a
            i, f, g, o = ([sig(v) for v in a[0:d]], [sig(v) for v in a[d:2 * d]],
                          [mp.tanh(v) for v in a[2 * d:3 * d]], [sig(v) for v in a[3 * d:]])
            cn = [f[u] * c[u] + i[u] * g[u] for u in range(d)]
            hn = [o[u] * mp.tanh(cn[u]) for u in range(d)]
            st["cn"] = cn
            c = cn
        else:
            r = [sig(ai[u] + ah[u]) for u in range(d)]
            z = [sig(ai[d + u] + ah[d + u]) for u in range(d)]
            an = [ai[2 * d + u] + r[u] * ah[2 * d + u] for u in range(d)]
            n = [mp.tanh(v) for v in an]
            st.update(r=r, z=z, an=an, n=n)
            zb = [sig(-(ai[d + u] + ah[d + u])) for u in range(d)]   # 1 - z, exact when z is 1 - 1e-434
            st["zb"] = zb
            hn = [zb[u] * n[u] + z[u] * h[u] for u in range(d)]
        tape.append(st)
        h = hn
        st["hn"] = hn
    D = 2 * d if cell == "lstm" else d

    def jac(st):
        J = [[mp.mpf(0)] * D for _ in range(D)]
        if cell == "rnn":
            dv = [dtanh(v) if case["act"] == "tanh" else dsig(v) for v in st["a"]]
            for u in range(d):
                for q in range(d):
                    J[u][q] = dv[u] * Wh[u][q]
        elif cell == "lstm":
            a, cp, cn = st["a"], st["c"], st["cn"]
            for u in range(d):
                ii, ff, gg, oo = sig(a[u]), sig(a[d + u]), mp.tanh(a[2 * d + u]), sig(a[3 * d + u])
                dcdh = [dsig(a[d + u]) * cp[u] * Wh[d + u][q] + dsig(a[u]) * gg * Wh[u][q]
                        + ii * dtanh(a[2 * d + u]) * Wh[2 * d + u][q] for q in range(d)]
                beta = oo * dtanh(cn[u])
                for q in range(d):
                    J[d + u][q] = dcdh[q]
                    J[u][q] = dsig(a[3 * d + u]) * mp.tanh(cn[u]) * Wh[3 * d + u][q] + beta * dcdh[q]
                J[d + u][d + u] = ff
                J[u][d + u] = beta * ff
        else:
            ah, r, z, an, n, hp = st["ah"], st["r"], st["z"], st["an"], st["n"], st["h"]
            for u in range(d):
                ar = st["ai"][u] + ah[u]
                az = st["ai"][d + u] + ah[d + u]
                N = st["zb"][u] * dtanh(an[u])
                for q in range(d):
                    J[u][q] = (N * (r[u] * Wh[2 * d + u][q] + ah[2 * d + u] * dsig(ar) * Wh[u][q])
                               + dsig(az) * (hp[u] - n[u]) * Wh[d + u][q])
                J[u][u] += z[u]
        return J

    label = case["label"]

    def check(what, got, want):
        note(label, what, got, want, case)

    Js = [jac(st) for st in tape]
    for j, J in enumerate(Js):
        check("step norm", case["step_norm_log10"][j], log10norm(J))
    P = [[mp.mpf(int(i == q)) for q in range(D)] for i in range(D)]
    for k in range(t, 0, -1):
        p = case["paths"][k - 1]
        if k < t:
            P = (mp.matrix(P) * mp.matrix(Js[k])).tolist()
        check("dS_t/dS_k", p["norm"], log10norm(P))
        check("dh_t/dh_k", p["h_norm"][0], log10norm([row[:d] for row in P[:d]]))
        if cell == "lstm":
            check("dc_t/dc_k", p["c_norm"][0], log10norm([row[d:] for row in P[d:]]))
    res = [tape[t - 1]["hn"][u] - y[u] for u in range(d)]
    loss = mp.fsum(v * v for v in res) / 2
    check("loss", case["loss"], mp.log10(loss) if loss > 0 else None)
    # the gradient of every parameter, backward from L_t
    gW = [[mp.mpf(0)] * len(Wh[0]) for _ in Wh]
    gI = [[mp.mpf(0)] * len(Wi[0]) for _ in Wi]
    gbi, gbh = [mp.mpf(0)] * len(bi), [mp.mpf(0)] * len(bh)
    dh, dc = res, [mp.mpf(0)] * d
    for k in range(t, 0, -1):
        st = tape[k - 1]
        if cell == "rnn":
            dv = [dtanh(v) if case["act"] == "tanh" else dsig(v) for v in st["a"]]
            dai = dah = [dh[u] * dv[u] for u in range(d)]
            dprev = mtv(Wh, dah)
        elif cell == "lstm":
            a, cp, cn = st["a"], st["c"], st["cn"]
            dai = [mp.mpf(0)] * (4 * d)
            dcp = [mp.mpf(0)] * d
            for u in range(d):
                ii, ff, gg, oo = sig(a[u]), sig(a[d + u]), mp.tanh(a[2 * d + u]), sig(a[3 * d + u])
                dct = dc[u] + dh[u] * oo * dtanh(cn[u])
                dai[u] = dct * gg * dsig(a[u])
                dai[d + u] = dct * cp[u] * dsig(a[d + u])
                dai[2 * d + u] = dct * ii * dtanh(a[2 * d + u])
                dai[3 * d + u] = dh[u] * mp.tanh(cn[u]) * dsig(a[3 * d + u])
                dcp[u] = dct * ff
            dah = dai
            dprev = mtv(Wh, dah)
            dc = dcp
        else:
            ah, r, z, an, n, hp = st["ah"], st["r"], st["z"], st["an"], st["n"], st["h"]
            dai = [mp.mpf(0)] * (3 * d)
            dah = [mp.mpf(0)] * (3 * d)
            direct = []
            for u in range(d):
                ar = st["ai"][u] + ah[u]
                az = st["ai"][d + u] + ah[d + u]
                dan = dh[u] * st["zb"][u] * dtanh(an[u])
                dar = dan * ah[2 * d + u] * dsig(ar)
                daz = dh[u] * (hp[u] - n[u]) * dsig(az)
                dai[u], dai[d + u], dai[2 * d + u] = dar, daz, dan
                dah[u], dah[d + u], dah[2 * d + u] = dar, daz, dan * r[u]
                direct.append(dh[u] * z[u])
            dprev = [p + q for p, q in zip(mtv(Wh, dah), direct)]
        term = mp.sqrt(mp.fsum(v * v for v in dah) * mp.fsum(v * v for v in st["h"]))
        check("path term", case["paths"][k - 1]["contribution"][0], mp.log10(term) if term > 0 else None)
        for g in range(len(Wh)):
            for q in range(d):
                gW[g][q] += dah[g] * st["h"][q]
            for q in range(len(Wi[0])):
                gI[g][q] += dai[g] * st["x"][q]
            gbi[g] += dai[g]
            gbh[g] += dah[g]
        dh = dprev
    tot = mp.fsum(v * v for row in gW + gI for v in row) + mp.fsum(v * v for v in gbi + gbh)
    check("gradient norm", case["grad_norm_log10"], mp.log10(mp.sqrt(tot)) if tot > 0 else None)
    hh = mp.fsum(v * v for row in gW for v in row)
    check("weight_hh gradient norm", case["grad_hh_norm_log10"][0], mp.log10(mp.sqrt(hh)) if hh > 0 else None)


for path in sys.argv[1:]:
    with open(path) as fh:
        run(json.load(fh))
for what in sorted(flagged):
    print("net_deep_ref: %-24s 0 where the engine says it underflowed: %d" % (what, flagged[what]))
for what in sorted(worst):
    print("net_deep_ref: %-24s largest log10 error %.3g" % (what, worst[what]))
for b in bad:
    print("net_deep_ref: " + b)
sys.exit(1 if bad else 0)
