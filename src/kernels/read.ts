// read probe: the read-bandwidth ceiling (shaders/stream.wgsl, entry point read_probe). Sums src as
// u32 words (grid-stride on GPUs; on software adapters contiguous chunks, each walked as four
// streams); every invocation writes one vec4 of folded sums. Bytes model: n read (the 16 bytes
// written per invocation, about 3% of a software adapter's 4 MiB and far less on a GPU, are not
// counted, so the ceiling errs low).
// FLOPs: none.
// copy is the ceiling of kernels that write about as much as they read; read is that of kernels
// that mostly read (decode), and a memory system can serve the two at quite different rates.
// reference() sums the same words on the CPU: dst must match bit for bit.

import {
  type ProbeKernel,
  type ProbeProblem,
  prepareStreamProbe,
  STREAM_WORKGROUP_SIZE,
  streamBlocked,
  streamWorkgroups,
} from './copy.ts';

const NAME = 'read' as const;

/**
 * dst as the shader writes it with the grid and layout prepare() picks on this kind of adapter:
 * invocation t sums the u32 words of its vec4s (grid-stride: t, t + stride, …; blocked: one chunk of
 * ceil(vec4s / invocations)), wrapping, folds each lane to 16 bits and writes them as f32; the rest of
 * dst stays 0.
 */
function reference(src: Float32Array, p: ProbeProblem, adapter: { isSoftware: boolean }): Float32Array {
  const workgroups = streamWorkgroups(NAME, p, adapter.isSoftware);
  const blocked = streamBlocked(NAME, p, adapter.isSoftware);
  const words = new Uint32Array(src.buffer, src.byteOffset, p.bytes / 4);
  const vec4s = p.bytes / 16;
  const invocations = workgroups * STREAM_WORKGROUP_SIZE;
  const chunk = Math.ceil(vec4s / invocations);
  const out = new Float32Array(p.bytes / 4);
  for (let t = 0; t < Math.min(invocations, vec4s); t++) {
    const [first, step, end] = blocked
      ? [Math.min(t * chunk, vec4s), 1, Math.min((t + 1) * chunk, vec4s)]
      : [t, invocations, vec4s];
    for (let lane = 0; lane < 4; lane++) {
      let sum = 0;
      for (let i = first; i < end; i += step) sum = (sum + words[4 * i + lane]) >>> 0;
      out[4 * t + lane] = (sum ^ (sum >>> 16)) & 0xffff;
    }
  }
  return out;
}

export const read: ProbeKernel = {
  name: NAME,
  summary:
    'Read-bandwidth ceiling: vec4 sum of n bytes (grid-stride, or blocked on CPU adapters), one vec4 written per invocation.',

  prepare: (gpu, p, io) => prepareStreamProbe(gpu, NAME, 'read_probe', p, io),

  reference,

  cost: (p) => ({ bytes: p.bytes, flops: 0 }),
};
