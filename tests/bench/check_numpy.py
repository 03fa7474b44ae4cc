#!/usr/bin/python3
"""What `vanex check` computes, as a plain numpy script a user would write.

    check_numpy.py MODEL.json OUT.json

MODEL.json is what `vanex check --json` writes (its "model" member: W, U, b,
s0, x, y and the activation); the script reads it, runs the forward pass,
∂L_t/∂W by BPTT and, for every lag, P ← P @ J_j with
numpy.linalg.norm(P, 2) (bench_numpy.analyse, the whole range of k, no time
budget), and writes the results, as log10 where a double cannot hold them,
to OUT.json.  check_peer.py times this whole process against `vanex check`
on the same file and compares the numbers.
"""

import json
import math
import sys

import numpy as np

from bench_numpy import analyse


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_numpy.py MODEL.json OUT.json")
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    src = doc["model"]
    if src.get("cell", "rnn") != "rnn" or src.get("layers", 1) != 1:
        sys.exit("check_numpy.py: only the vanilla one-layer cell")
    model = {k: np.array(src[k], dtype=np.float64) for k in ("W", "U", "b", "s0", "x", "y")}
    model["act"] = src["activation"]
    t = doc["params"]["t"]
    res, _, _ = analyse(model, t, math.inf)
    res["grad_W"] = res["grad_W"].tolist()
    with open(sys.argv[2], "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main()
