/*
 * net_bytes.h — the memory vx_net_analyse and vx_net_fd_check hold at their
 * peak, from the sizes alone, so that a front end can refuse before
 * allocating anything a network the machine cannot hold (with vx_net_bytes,
 * net.h, for the network itself), as vx_analyse_bytes does for one vanilla
 * layer.
 *
 * Counted from the allocations of net_analysis.c and net_fd.c: the result
 * (the forward pass, T × (G + 2)·d per layer at most, and a gradient the
 * size of the weights), and beside it the passes' workspace, which the
 * chain of products dominates (three buffers for ∂S_t/∂S_k and the step's
 * J, D×D each), with the dense fallbacks that only a failed Lanczos run
 * needs.  Both saturate at SIZE_MAX.
 */
#ifndef VX_NET_BYTES_H
#define VX_NET_BYTES_H

#include <stddef.h>
#include "engine/net.h"

/* vx_net_analyse on a network of these sizes at loss step t: the result it
 * returns and the workspace it frees before returning, not the network. */
size_t vx_net_analyse_bytes(vx_cell cell, size_t L, size_t d, size_t n, size_t T, size_t t);

/* vx_net_fd_check afterwards, with the result still held: the result and
 * the check's own (a copy of the network and four D×D matrices), not the
 * network; vx_net_fd_judge (net_fdjudge.h) holds less (three D×D).  The
 * peak of an analysis and its check is thus vx_net_bytes plus the larger of
 * the two. */
size_t vx_net_fd_bytes(vx_cell cell, size_t L, size_t d, size_t n, size_t T, size_t t);

#endif
