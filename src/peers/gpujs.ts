// gpu.js (2.24) as a peer: the same matmul written as a gpu.js kernel (one thread per output, the loop
// over k inside), and attention composed of gpu.js kernels (scores, row max, row sum, then P·V with the
// softmax normalisation folded in). WebGPU mode where gpu.js finds an adapter (browser, and Node with a
// navigator lent for the set-up), else the best mode it picks; the mode that REALLY ran is read from
// the built kernel, since gpu.js falls back silently. gpu.js opens its own device on the same adapter.
// Timing: the wall clock around the calls and onSubmittedWorkDone of gpu.js's device, with inputs
// resident on the GPU (pipeline mode); in other modes the wall clock around calls that read back.

import { describeAdapter } from '../gpu/adapter-info.ts';
import { isNode } from '../gpu/open.ts';
import { sleepFor, UNDER_REST, WaitPace, waitsRest } from '../gpu/pace.ts';
import type { AttentionCase, AttentionData, MatmulCase, MatmulData } from '../measure/cases.ts';
import { withNavigatorGpu } from './node-webgpu.ts';
import type { Peer, PeerOp } from './types.ts';

/** The parts of gpu.js this peer uses (it ships no types for its WebGPU backend). */
interface GpuJsKernel {
  (...args: unknown[]): unknown;
  kernel?: { constructor: { mode?: string } };
  destroy?(): void;
}
interface GpuJsInstance {
  createKernel(source: string, settings: Record<string, unknown>): GpuJsKernel;
  destroy(): unknown;
  mode?: string;
}
interface BufferResult {
  toArray(): Promise<unknown>;
  delete(): void;
}
interface GpuJsModule {
  GPU: (new (
    settings?: Record<string, unknown>,
  ) => GpuJsInstance) & { isWebGPUAvailable(): Promise<boolean> };
  WebGPUContext?: {
    acquire(): Promise<{ device: GPUDevice; adapter: GPUAdapter }>;
    destroy(): Promise<void>;
  };
}

// Kernel sources as strings: gpu.js parses the source text, which bundlers must not rewrite.
const UPLOAD = `function upload(x) { return x[this.thread.x]; }`;
const MATMUL = `function matmul(a, b) {
  let sum = 0;
  for (let i = 0; i < this.constants.k; i++) {
    sum += a[this.thread.y * this.constants.k + i] * b[i * this.constants.n + this.thread.x];
  }
  return sum;
}`;
const SCORES = `function scores(q, k) {
  let s = 0;
  const qBase = (this.thread.z * this.constants.seqQ + this.thread.y) * this.constants.headDim;
  const kBase = (this.thread.z * this.constants.seqK + this.thread.x) * this.constants.headDim;
  for (let c = 0; c < this.constants.headDim; c++) {
    s += q[qBase + c] * k[kBase + c];
  }
  return s * this.constants.scale;
}`;
const ROW_MAX = `function rowMax(s) {
  let m = -3.0e38;
  for (let j = 0; j < this.constants.seqK; j++) {
    m = Math.max(m, s[this.thread.y][this.thread.x][j]);
  }
  return m;
}`;
const ROW_SUM = `function rowSum(s, m) {
  let l = 0;
  const mi = m[this.thread.y][this.thread.x];
  for (let j = 0; j < this.constants.seqK; j++) {
    l += Math.exp(s[this.thread.y][this.thread.x][j] - mi);
  }
  return l;
}`;
const PV = `function pv(s, m, l, v) {
  let o = 0;
  const mi = m[this.thread.z][this.thread.y];
  for (let j = 0; j < this.constants.seqK; j++) {
    o += Math.exp(s[this.thread.z][this.thread.y][j] - mi) * v[(this.thread.z * this.constants.seqK + j) * this.constants.headDim + this.thread.x];
  }
  return o / l[this.thread.z][this.thread.y];
}`;

function flatten(value: unknown, out: number[] = []): number[] {
  if (typeof value === 'number') out.push(value);
  else if (ArrayBuffer.isView(value)) out.push(...(value as Float32Array));
  else if (Array.isArray(value)) for (const item of value) flatten(item, out);
  return out;
}

function isBufferResult(value: unknown): value is BufferResult {
  return typeof value === 'object' && value !== null && typeof (value as BufferResult).toArray === 'function';
}

async function readOut(value: unknown): Promise<Float32Array> {
  if (isBufferResult(value)) {
    try {
      return Float32Array.from(flatten(await value.toArray()));
    } finally {
      value.delete();
    }
  }
  return Float32Array.from(flatten(value));
}

export async function createGpujsPeer(): Promise<Peer> {
  const imported = (await import('gpu.js')) as unknown as GpuJsModule & { default?: GpuJsModule };
  const lib: GpuJsModule = imported.GPU ? imported : (imported.default as GpuJsModule);
  const webgpu = await withNavigatorGpu(() => lib.GPU.isWebGPUAvailable().catch(() => false));
  const gpu = await withNavigatorGpu(() => new lib.GPU(webgpu ? { mode: 'webgpu' } : {}));
  const kernels: GpuJsKernel[] = [];
  let device: GPUDevice | undefined;
  let adapterName = '';
  // gpu.js's device has no timestamps: its waits rest short of the work's expected end, in Node on a
  // CPU adapter, where polling would take a core from the kernels (gpu/pace.ts).
  let rests = false;
  const pace = new WaitPace(UNDER_REST);

  async function build(source: string, settings: Record<string, unknown>): Promise<GpuJsKernel> {
    const kernel = await withNavigatorGpu(() => gpu.createKernel(source, { ...settings, pipeline: webgpu }));
    kernels.push(kernel);
    return kernel;
  }
  /** The first call builds the kernel (and in WebGPU mode acquires gpu.js's device). */
  async function firstRun(kernel: GpuJsKernel, args: unknown[]): Promise<unknown> {
    const out = await withNavigatorGpu(async () => await kernel(...args));
    if (webgpu && !device && lib.WebGPUContext) {
      const context = await lib.WebGPUContext.acquire();
      device = context.device;
      const info = context.adapter.info;
      rests = waitsRest(isNode() ? 'node' : 'browser', describeAdapter(info));
      adapterName = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ');
    }
    return out;
  }
  const modeOf = (kernel: GpuJsKernel) => kernel.kernel?.constructor.mode ?? gpu.mode ?? 'unknown';

  async function upload(data: Float32Array): Promise<unknown> {
    if (!webgpu) return data;
    const kernel = await build(UPLOAD, { output: [data.length] });
    return firstRun(kernel, [data]);
  }

  function op(kernelsOfOp: GpuJsKernel[], run: () => Promise<unknown>, first: unknown, what: string): PeerOp {
    const mode = modeOf(kernelsOfOp[kernelsOfOp.length - 1]);
    const modes = [...new Set(kernelsOfOp.map(modeOf))].join('+');
    const where =
      mode === 'webgpu' ? `its own WebGPU device${adapterName ? ` (${adapterName})` : ''}` : `${mode} mode`;
    const timing =
      mode === 'webgpu'
        ? 'timed by the wall clock around the calls (inputs resident, pipeline mode) and onSubmittedWorkDone'
        : 'timed by the wall clock around calls that also read their output back';
    let pendingFirst: unknown = first;
    return {
      notes: `gpu.js ${what} ran in ${modes} mode on ${where}; ${timing}`,
      params: { mode: modes, device: mode === 'webgpu' ? 'own' : 'none' },
      resolutionMs: 0.05,
      async output() {
        const value = pendingFirst ?? (await run());
        pendingFirst = undefined;
        return readOut(value);
      },
      async time(calls, signal) {
        if (pendingFirst !== undefined) {
          await readOut(pendingFirst);
          pendingFirst = undefined;
        }
        const start = performance.now();
        for (let i = 0; i < calls; i++) {
          if (signal?.aborted) return undefined;
          const out = await run();
          if (isBufferResult(out)) out.delete();
        }
        if (device) {
          if (rests) await sleepFor(pace.restMs(what, calls, performance.now() - start));
          await device.queue.onSubmittedWorkDone();
        }
        const ms = performance.now() - start;
        pace.record(what, calls, ms);
        return ms;
      },
      dispose() {},
    };
  }

  return {
    name: 'gpu.js',
    description: `gpu.js 2.24 (${webgpu ? 'webgpu' : 'auto'} mode requested)`,
    async matmul(c: MatmulCase, data: MatmulData) {
      const a = await upload(data.a);
      const b = await upload(data.b);
      const kernel = await build(MATMUL, { output: [c.n, c.m], constants: { k: c.k, n: c.n } });
      const first = await firstRun(kernel, [a, b]);
      return op([kernel], async () => kernel(a, b), first, 'matmul (one thread per output)');
    },
    async attention(c: AttentionCase, data: AttentionData, scale: number) {
      const q = await upload(data.q);
      const k = await upload(data.k);
      const v = await upload(data.v);
      const constants = { seqQ: c.seqQ, seqK: c.seqK, headDim: c.headDim, scale };
      const scores = await build(SCORES, { output: [c.seqK, c.seqQ, c.heads], constants });
      const rowMax = await build(ROW_MAX, { output: [c.seqQ, c.heads], constants });
      const rowSum = await build(ROW_SUM, { output: [c.seqQ, c.heads], constants });
      const pv = await build(PV, { output: [c.headDim, c.seqQ, c.heads], constants });
      const chain = async (first: boolean) => {
        const call = first ? firstRun : async (kernel: GpuJsKernel, args: unknown[]) => kernel(...args);
        const s = await call(scores, [q, k]);
        const m = await call(rowMax, [s]);
        const l = await call(rowSum, [s, m]);
        const o = await call(pv, [s, m, l, v]);
        for (const x of [s, m, l]) if (isBufferResult(x)) x.delete();
        return o;
      };
      const first = await chain(true);
      return op(
        [scores, rowMax, rowSum, pv],
        () => chain(false),
        first,
        'attention (scores, row max, row sum, P·V kernels)',
      );
    },
    async dispose() {
      for (const kernel of kernels) {
        try {
          kernel.destroy?.();
        } catch {
          // Already gone with its device.
        }
      }
      await Promise.resolve(gpu.destroy()).catch(() => undefined);
      // gpu.js keeps one device per page; in Node a live device keeps the process running.
      if (device) await lib.WebGPUContext?.destroy();
    },
  };
}
