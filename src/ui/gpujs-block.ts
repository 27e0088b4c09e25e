// Without WebGPU: the one measurement gpu.js can still make here, a matmul through WebGL (or plain
// JavaScript), loaded only when asked for.

import { h, replaceChildren } from './dom.ts';
import { messageOf } from './error-area.ts';
import { duration, sig } from './format.ts';

/** Without WebGPU: one measurement gpu.js can still make, through WebGL where the browser has it. */
export function gpujsBaselineBlock(): HTMLElement {
  const button = h(
    'button',
    { type: 'button', class: 'secondary', testid: 'gpujs-baseline' },
    'Run the gpu.js baseline',
  );
  const outcome = h('div', { testid: 'gpujs-result', 'aria-live': 'polite' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    replaceChildren(outcome, h('p', { class: 'muted' }, 'Loading gpu.js and running a matmul…'));
    try {
      const { runGpujsBaseline, BASELINE_SIZE } = await import('./gpujs-baseline.ts');
      const result = await runGpujsBaseline();
      outcome.dataset.mode = result.mode;
      outcome.dataset.verified = String(result.ok);
      const onCpu = result.mode === 'cpu';
      replaceChildren(
        outcome,
        h(
          'p',
          { class: result.ok ? 'callout ok' : 'callout danger' },
          h(
            'strong',
            {},
            `gpu.js ran in ${result.mode} mode${onCpu ? ' (plain JavaScript on the CPU: this browser has no WebGL either)' : ''}. `,
          ),
          `A ${BASELINE_SIZE}³ matmul took ${duration(result.medianMs)} per call including read-back (median of 7), `,
          `${sig(result.gflops)} GFLOP/s; it ${result.ok ? 'matches' : 'does NOT match'} the CPU reference `,
          `(largest difference ${sig(result.maxAbsErr, 2)}).`,
        ),
        h(
          'p',
          { class: 'muted small' },
          'Timed by the wall clock around calls that also read their output back, so this is an upper bound on the GPU time.',
        ),
      );
    } catch (error) {
      outcome.dataset.verified = 'false';
      replaceChildren(
        outcome,
        h('p', { class: 'callout danger' }, `gpu.js could not run here: ${messageOf(error)}`),
      );
    } finally {
      button.disabled = false;
    }
  });
  return h(
    'div',
    { class: 'gpujs-baseline' },
    h('h3', {}, 'What can still run: the gpu.js baseline'),
    h(
      'p',
      {},
      'gpu.js, one of the peer libraries attnscope compares against, can run a matrix multiplication through WebGL ',
      'instead of WebGPU. It is not attention and not comparable with a WebGPU run, but it shows what this browser’s GPU path does.',
    ),
    h('div', { class: 'actions' }, button),
    outcome,
  );
}
