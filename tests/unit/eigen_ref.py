#!/usr/bin/python3
"""The independent reference of test_engine_eigen: the eigenvalues of each W
by numpy (np.linalg.eigvals, LAPACK's dgeev: balancing, Hessenberg
reduction and QR, a different code from GSL's) and the norms of its powers
in 40-digit arithmetic (mpmath: W^n formed exactly enough that no rounding
of the products shows, its largest singular value by mpmath's SVD).

    eigen_ref.py IN.json OUT.json

IN holds {"cases": [{"W": [[...], ...], "N": n}, ...]} with every entry
written with 17 significant digits (so the doubles are the engine's bit for
bit); OUT gets {"cases": [{"re": [...], "im": [...], "log10_pow": [...]}]},
the eigenvalues in numpy's order and log10 ||W^n||_2 for n = 0..N (-inf
written as null), each number with 17 significant digits.
"""
import json
import sys

import mpmath
import numpy as np

mpmath.mp.dps = 40


def powers(W, N):
    d = len(W)
    A = mpmath.matrix([[mpmath.mpf(float(x)) for x in row] for row in W])
    P = mpmath.eye(d)
    out = [0.0]
    for _ in range(N):
        P = P * A
        s = mpmath.svd_r(P, compute_uv=False)
        top = max(abs(x) for x in s)
        out.append(None if top == 0 else float(mpmath.log10(top)))
    return out


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        cases = json.load(f)["cases"]
    res = []
    for c in cases:
        W = np.array(c["W"], dtype=np.float64)
        ev = np.linalg.eigvals(W)
        res.append({"re": [float(z.real) for z in ev], "im": [float(z.imag) for z in ev],
                    "log10_pow": powers(c["W"], c["N"])})
    with open(dst, "w") as f:
        json.dump({"cases": res}, f)


if __name__ == "__main__":
    main()
