// Run by test/install/package.test.ts in a temporary project that installed the packed attnscope:
// plain Node (no tsx), `import 'attnscope'` as any project would. Reads the problems and their inputs
// from the JSON file named by argv[2], runs each with attention() or matmul() on openGpu()'s adapter,
// and writes the outputs (plain arrays) and the adapter's name to the JSON file named by argv[3].

import { readFileSync, writeFileSync } from 'node:fs';
import { adapterName, attention, matmul, openGpu } from 'attnscope';

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const gpu = await openGpu();
const outputs = {};
try {
  for (const c of cases) {
    const f32 = (name) => Float32Array.from(c.inputs[name]);
    const out =
      c.op === 'attention'
        ? await attention(gpu, { ...c.shape, q: f32('q'), k: f32('k'), v: f32('v') }, { kernel: c.kernel })
        : await matmul(gpu, f32('a'), f32('b'), {
            ...c.shape,
            bias: c.inputs.bias ? f32('bias') : undefined,
            kernel: c.kernel,
          });
    outputs[c.name] = Array.from(out);
  }
} finally {
  gpu.close();
}
writeFileSync(
  process.argv[3],
  JSON.stringify({ adapter: adapterName(gpu.adapter), tsx: process.execArgv.join(' '), outputs }),
);
