// "Check that it computes attention correctly": one unfused attention on a small, odd-sized problem
// against the f64 CPU reference, with the largest difference and the tolerance shown.

import { ensureGpu } from './device.ts';
import { byId, h, replaceChildren, show } from './dom.ts';
import { messageOf } from './error-area.ts';
import { duration, integer, sig } from './format.ts';
import { VERIFY_PROBLEM, VERIFY_TOLERANCE, verifyUnfused } from './verify.ts';

export function renderVerify(): void {
  const { heads, seqQ, headDim } = VERIFY_PROBLEM;
  const button = h('button', { type: 'button', class: 'secondary', testid: 'verify' }, 'Check correctness');
  const outcome = h('div', { class: 'verify-outcome', testid: 'verify-result', 'aria-live': 'polite' });
  // Marked busy rather than disabled while the check runs, so that the focus stays on it.
  button.addEventListener('click', async () => {
    if (button.getAttribute('aria-disabled') === 'true') return;
    button.setAttribute('aria-disabled', 'true');
    replaceChildren(outcome, h('p', { class: 'muted' }, 'Running unfused attention and the CPU reference…'));
    delete outcome.dataset.verified;
    try {
      const gpu = await ensureGpu();
      if (!gpu) throw new Error('No WebGPU device is available (see “Your GPU” above).');
      const result = await verifyUnfused(gpu);
      outcome.dataset.verified = String(result.ok);
      replaceChildren(
        outcome,
        h(
          'p',
          { class: result.ok ? 'callout ok' : 'callout danger' },
          h('strong', {}, result.ok ? 'Matches the reference. ' : 'Does NOT match the reference. '),
          `${integer(result.values)} output values; largest difference ${sig(result.maxAbsErr, 2)} `,
          `(allowed: ${VERIFY_TOLERANCE.atol} + ${VERIFY_TOLERANCE.rtol} × |reference|). `,
          `Took ${duration(result.wallMs)} including upload and read-back.`,
        ),
        result.failure ? h('pre', { class: 'failure' }, result.failure) : null,
      );
    } catch (error) {
      outcome.dataset.verified = 'false';
      replaceChildren(
        outcome,
        h('p', { class: 'callout danger' }, `The check could not run: ${messageOf(error)}`),
      );
    } finally {
      button.removeAttribute('aria-disabled');
    }
  });
  replaceChildren(
    byId('verify-body'),
    h(
      'p',
      {},
      `Runs the plain three-pass (unfused) attention kernel once on a small problem — ${heads} heads, `,
      `${seqQ} queries and keys, head size ${headDim}, causal — and compares every output with a CPU `,
      'reference computed in double precision. Odd sizes on purpose: they catch kernels that only work on round numbers.',
    ),
    h('div', { class: 'actions' }, button),
    outcome,
  );
  show(byId('verify-section'), true);
}
