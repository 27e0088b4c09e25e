// The targets against ONNX Runtime Web under the results table (data-testid="peer-targets"): one line
// per target with the ratio, the problem it was taken on and whether it holds, or why there is none.
// The lines come from src/peers/targets.ts, as the CLI's and BENCHMARKS.md's do.

import { fallbackText, formatTargetValue, type PeerTarget, peerTargets } from '../peers/targets.ts';
import type { ResultsFile } from '../results/types.ts';
import { h } from './dom.ts';

function targetItem(t: PeerTarget): HTMLElement {
  const goal = ` (target ≥ ${t.target.toFixed(1)}×)`;
  if (t.value === undefined) {
    return h(
      'li',
      { 'data-target': t.ours, 'data-holds': 'unknown' },
      h('strong', {}, t.name),
      `: no ratio${goal}. `,
      h('span', { class: 'muted' }, t.reason ?? 'not measured'),
    );
  }
  if (t.fallback) {
    // The target's own ORT line gave no ratio: the target is not checked; the other line's ratio follows.
    return h(
      'li',
      { 'data-target': t.ours, 'data-holds': 'unknown', 'data-ratio': String(t.value) },
      h('strong', {}, t.name),
      `: not checked here${goal}. `,
      h('span', { class: 'muted' }, `${t.reason ?? ''}; ${fallbackText(t)}.`),
    );
  }
  const holds = t.value >= t.target;
  return h(
    'li',
    { 'data-target': t.ours, 'data-holds': holds ? 'yes' : 'no', 'data-ratio': String(t.value) },
    h('strong', {}, t.name),
    ': ',
    h('span', { class: holds ? 'ok-text' : 'danger-text' }, formatTargetValue(t.value, t.target)),
    ` at ${t.problem}${goal}: ${holds ? 'holds' : 'missed'}. `,
    h(
      'span',
      { class: 'muted' },
      `ORT's median ÷ ours, from the two results in the table${t.reason ? `; ${t.reason}` : ''}.`,
    ),
  );
}

/** The three target lines of a run, or nothing when the run has none of their results at all. */
export function peerTargetsView(file: ResultsFile): HTMLElement | null {
  const targets = peerTargets(file.results);
  const relevant = file.results.some(
    (r) => r.impl.startsWith('onnxruntime-web') || targets.some((t) => t.ours === r.kernel),
  );
  if (!relevant) return null;
  return h(
    'section',
    { class: 'peer-targets', testid: 'peer-targets' },
    h('h3', {}, 'Against ONNX Runtime Web'),
    h('ul', {}, ...targets.map(targetItem)),
  );
}
