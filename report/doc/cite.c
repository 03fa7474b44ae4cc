/*
 * cite.c — the works the derivation cites (cite.h).
 *
 * Which fact comes from whom, as the steps cite them:
 *   [1] Pascanu, Mikolov & Bengio 2013: ‖J_j‖ ≤ γλ with γ the bound on σ'
 *       and λ the largest singular value of W (step 8); λ < 1/γ sufficient
 *       for vanishing, λ > 1/γ necessary for exploding (step 10); clipping
 *       the gradient's norm (step 16).
 *   [2] Hochreiter 1991: the first analysis of error signals through time,
 *       which shrink or grow exponentially with the gap (step 9).
 *   [3] Bengio, Simard & Frasconi 1994: the same, independently, and that
 *       gradient descent then cannot learn long-range dependencies (steps 9,
 *       10, 12).
 *   [4] Hochreiter & Schmidhuber 1997: the LSTM, gated units whose cell
 *       path is not multiplied by W at every step (steps 15 and 16).
 *   [5] Gers, Schmidhuber & Cummins 2000: the forget gate f of the LSTM,
 *       and starting it open by a positive bias (step 15).
 *   [6] Jozefowicz, Zaremba & Sutskever 2015: across many architectures and
 *       tasks, a forget-gate bias of 1 closes most of the LSTM's gap to the
 *       best recurrent cells (step 15).
 *   [7] Arjovsky, Shah & Bengio 2016: a recurrent matrix with every
 *       singular value 1 (unitary) neither damps nor amplifies (step 16).
 *   [8] Le, Jaitly & Hinton 2015: ReLU networks started at W = I (step 16).
 */
#include "report/doc/cite.h"

#include <string.h>

static const vxr_ref refs[] = {
	{ "pascanu2013", "R. Pascanu, T. Mikolov and Y. Bengio",
	  "On the difficulty of training recurrent neural networks",
	  "Proceedings of the 30th International Conference on Machine Learning (ICML), PMLR 28(3):1310–1318", 2013 },
	{ "hochreiter1991", "S. Hochreiter", "Untersuchungen zu dynamischen neuronalen Netzen",
	  "Diplomarbeit, Institut für Informatik, Technische Universität München", 1991 },
	{ "bengio1994", "Y. Bengio, P. Simard and P. Frasconi",
	  "Learning long-term dependencies with gradient descent is difficult",
	  "IEEE Transactions on Neural Networks 5(2):157–166", 1994 },
	{ "hochreiter1997", "S. Hochreiter and J. Schmidhuber", "Long short-term memory",
	  "Neural Computation 9(8):1735–1780", 1997 },
	{ "gers2000", "F. A. Gers, J. Schmidhuber and F. Cummins", "Learning to forget: continual prediction with LSTM",
	  "Neural Computation 12(10):2451–2471", 2000 },
	{ "jozefowicz2015", "R. Jozefowicz, W. Zaremba and I. Sutskever",
	  "An empirical exploration of recurrent network architectures",
	  "Proceedings of the 32nd International Conference on Machine Learning (ICML), PMLR 37:2342–2350", 2015 },
	{ "arjovsky2016", "M. Arjovsky, A. Shah and Y. Bengio",
	  "Unitary evolution recurrent neural networks",
	  "Proceedings of the 33rd International Conference on Machine Learning (ICML), PMLR 48:1120–1128", 2016 },
	{ "le2015", "Q. V. Le, N. Jaitly and G. E. Hinton",
	  "A simple way to initialize recurrent networks of rectified linear units", "arXiv:1504.00941", 2015 },
};

size_t vxr_ref_count(void)
{
	return sizeof refs / sizeof *refs;
}

const vxr_ref *vxr_ref_at(size_t i)
{
	return i < vxr_ref_count() ? &refs[i] : NULL;
}

int vxr_ref_find(const char *key, size_t n)
{
	for (size_t i = 0; i < vxr_ref_count(); i++)
		if (strlen(refs[i].key) == n && memcmp(refs[i].key, key, n) == 0)
			return (int)i;
	return -1;
}

const char *vxr_ref_keys(void)
{
	return "pascanu2013, hochreiter1991, bengio1994, hochreiter1997, gers2000, jozefowicz2015, arjovsky2016, le2015";
}
