// Without WebGPU, the page still offers one measurement: the gpu.js peer (src/peers/gpujs.ts) runs a
// matmul through whatever gpu.js finds — WebGL2 or WebGL on the GPU, or plain JavaScript when neither
// exists — checked against the f64 reference and timed by the wall clock (reads back included). gpu.js
// and the reference load only when the person asks for it.

import { matmulData } from '../measure/cases.ts';
import { createGpujsPeer } from '../peers/gpujs.ts';
import { compareToReference } from '../reference/compare.ts';
import { matmulReference } from '../reference/matmul.ts';

export const BASELINE_SIZE = 256;

export interface BaselineOutcome {
  /** What gpu.js really ran on, e.g. "webgl2" or "cpu". */
  mode: string;
  ok: boolean;
  maxAbsErr: number;
  medianMs: number;
  gflops: number;
  notes: string;
}

/** gpu.js names every WebGL kernel's mode "gpu"; say which WebGL this browser offers. */
function modeName(mode: string): string {
  if (mode !== 'gpu') return mode;
  const canvas = document.createElement('canvas');
  return canvas.getContext('webgl2') ? 'webgl2' : 'webgl';
}

/** A size³ matmul in gpu.js: verified once, then the median of `calls` timed calls. */
export async function runGpujsBaseline(size = BASELINE_SIZE, calls = 7): Promise<BaselineOutcome> {
  const peer = await createGpujsPeer();
  const shape = { m: size, k: size, n: size };
  const problem = { kind: 'matmul', ...shape } as const;
  const data = matmulData(problem);
  const matmul = peer.matmul;
  if (!matmul) throw new Error('this gpu.js build offers no matmul');
  const op = await matmul(problem, data);
  try {
    const output = await op.output();
    const comparison = compareToReference(output, matmulReference(data.a, data.b, shape), {
      atol: 1e-3,
      rtol: 1e-3,
    });
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const ms = await op.time(1);
      if (ms !== undefined) times.push(ms);
    }
    times.sort((x, y) => x - y);
    const medianMs = times[Math.floor(times.length / 2)] ?? Number.NaN;
    return {
      mode: modeName(String(op.params.mode ?? 'unknown')),
      ok: comparison.ok,
      maxAbsErr: comparison.maxAbsErr,
      medianMs,
      gflops: (2 * size ** 3) / (medianMs * 1e6),
      notes: op.notes,
    };
  } finally {
    op.dispose();
    await peer.dispose();
  }
}
