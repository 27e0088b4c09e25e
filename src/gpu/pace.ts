// Waiting for timed GPU work without taking the CPU from it.
//
// Node's WebGPU binding settles its promises by polling in a busy loop (setImmediate) for as long as
// any of them is pending, so a wait for the queue keeps one CPU core busy. On a CPU adapter the
// kernels run on the same cores: on a 2-core machine that loop left SwiftShader's two worker threads
// about one core between them, and kernels ran 1.6–2× slower than with the waiting thread asleep
// (decode at 8192 keys, 20 calls a sample: 5.9 → 3.5 ms a call; the read probe 3.7 → 2.3 ms), their
// times jumping between runs. A rest must last until the work is done: decode taking 2.9 ms a call
// asleep ran 5.75 ms a call when the waiter slept 2 ms and then polled, 2.9 ms when it slept 4 ms.
// So where Gpu.restsBeforeWaits (Node, CPU adapter), a timed wait first sleeps through the time its
// work should take, judged from the fastest of the same work's recent samples, and polls only after:
//   - timed by timestamps on the queue (attnscope's kernels; ORT and TF.js through QueueClock): a
//     rest of OVER_REST × that time (sleeping past the end costs wall time, not a figure). On a
//     loaded machine calls often run well past the fastest recent one, and each time the wait then
//     polls beside the kernel: with 1.1 × (SwiftShader, 2 shared cores, decode at 8192 keys) the
//     waiting thread still took 40–49% of a core while samples ran, with 1.6 × 17–25%, and decode's
//     median fell in each of 6 alternating runs (5.5–8.6 ms a call against 3.9–5.8 ms), while the
//     paired samples gathered in the same budget stayed about as many;
//   - timed by the wall clock (no timestamp-query): UNDER_REST × that time, so that the rest ends
//     before the work does and never lengthens a sample.
// In a browser the wait does not poll, and on a GPU the polling takes nothing from the kernels: no
// rest there.

import type { Runtime } from './adapter-info.ts';

/** Whether timed waits rest: in Node (its binding polls while it waits) on a CPU adapter. */
export function waitsRest(runtime: Runtime, adapter: { isSoftware: boolean }): boolean {
  return runtime === 'node' && adapter.isSoftware;
}

/** Rest before waiting for work timed by GPU timestamps: a little past the expected end. */
export const OVER_REST = 1.6;
/** Rest before waiting for work timed by the wall clock: short of the expected end. */
export const UNDER_REST = 0.9;
/** Samples of a label whose fastest call sets the expectation. */
export const RECENT_SAMPLES = 4;

/** Per-call times of recent samples, by label, and the rest they allow before the next wait. */
export class WaitPace {
  private readonly recent = new Map<string, number[]>();

  /** `share`: OVER_REST or UNDER_REST, by the clock that times the work. */
  constructor(private readonly share: number) {}

  /** Records a sample of `calls` calls of `label` that took `ms` (ignored unless both are positive). */
  record(label: string, calls: number, ms: number): void {
    if (!(ms > 0) || !(calls > 0)) return;
    const list = this.recent.get(label) ?? [];
    list.push(ms / calls);
    if (list.length > RECENT_SAMPLES) list.shift();
    this.recent.set(label, list);
  }

  /**
   * Milliseconds to sleep before waiting for `calls` calls of `label` submitted `elapsedMs` ago: the
   * share of what the fastest recent call says they take, less the time already gone; 0 while the
   * label has no sample.
   */
  restMs(label: string, calls: number, elapsedMs = 0): number {
    const list = this.recent.get(label);
    if (!list?.length) return 0;
    return Math.max(0, this.share * calls * Math.min(...list) - elapsedMs);
  }
}

/** Sleeps for `ms` when it is at least 1 (a timer's granularity); else returns at once. */
export async function sleepFor(ms: number): Promise<void> {
  if (ms >= 1) await new Promise((resolve) => setTimeout(resolve, ms));
}
