// Dense decode against the read probe on this adapter, each configuration timed interleaved with
// the probe over the same working set, exactly as the benchmark's ceilingPair (rotation.ts): the
// share of the probe per decode configuration and KV length, to find what separates decode from
// the probe. Each configuration is checked against the f64 reference on its first buffer set first.
// Usage:
//   npx tsx scripts/decode-ceiling.ts [--kv 8192,2048] [--heads 2] [--head-dim 64] [--budget-ms 8000]
//                                     [--variant '{"lanes":2}' ...]   (createDecode options; none = defaults)

import { pathToFileURL } from 'node:url';
import { adapterName } from '../src/gpu/adapter-info.ts';
import { openGpu } from '../src/gpu/open.ts';
import { createDecode, type DecodeOptions, decode } from '../src/kernels/decode.ts';
import { attentionBuffers } from '../src/kernels/launch.ts';
import { entriesOf } from '../src/kernels/registry.ts';
import type { AttentionProblem } from '../src/kernels/types.ts';
import { type AttentionCase, attentionData, toleranceFor } from '../src/measure/cases.ts';
import type { JobContext } from '../src/measure/context.ts';
import { timeWithCeiling } from '../src/measure/read-ceiling.ts';
import { rotatingCall, workingSetFor } from '../src/measure/rotation.ts';
import { createTimer } from '../src/measure/timing.ts';
import { randomFloats, workingSetNote } from '../src/measure/working-set.ts';
import { attentionReference } from '../src/reference/attention.ts';
import { compareToReference } from '../src/reference/compare.ts';
import { runScript } from './run-script.ts';

export interface Options {
  kv: number[];
  heads: number;
  headDim: number;
  budgetMs: number;
  variants: Partial<DecodeOptions>[];
}

function whole(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${flag}: expected an integer in ${min}..${max}, got ${text}`);
  return n;
}

/** createDecode's options a --variant may set (its name is the script's), each with the values it takes. */
const VARIANT_OPTIONS = {
  kvF16: 'boolean',
  kvPrepacked: 'boolean',
  workgroupSize: 'count',
  scoresWorkgroupSize: 'count',
  rangeKeys: 'count',
  lanes: 'count',
  minWorkgroups: 'count',
  tiled: 'boolean',
  tileKeys: 'count',
  subgroups: 'boolean',
  sizedArrays: 'boolean',
  adapterKind: ['hardware', 'software'],
} as const satisfies Partial<Record<keyof DecodeOptions, 'boolean' | 'count' | readonly string[]>>;
const VARIANT_KEYS = Object.keys(VARIANT_OPTIONS) as (keyof typeof VARIANT_OPTIONS)[];

/** Why a --variant value does not fit its option (createDecode does not check its options' types). */
function variantValueProblem(key: keyof typeof VARIANT_OPTIONS, value: unknown): string | undefined {
  const kind = VARIANT_OPTIONS[key];
  const shown = JSON.stringify(value);
  if (kind === 'boolean')
    return typeof value === 'boolean' ? undefined : `${key}: expected true or false, got ${shown}`;
  if (kind === 'count')
    return Number.isInteger(value) && (value as number) >= 1
      ? undefined
      : `${key}: expected a positive integer, got ${shown}`;
  return (kind as readonly unknown[]).includes(value)
    ? undefined
    : `${key}: expected one of ${kind.join(', ')}, got ${shown}`;
}

/** A --variant: a JSON object of createDecode options, its keys checked (a typo would measure the defaults). */
export function parseVariant(text: string): Partial<DecodeOptions> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `--variant: not JSON (${error instanceof Error ? error.message : String(error)}): ${text}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`--variant: expected a JSON object of createDecode options, got ${text}`);
  for (const [key, entry] of Object.entries(value)) {
    if (!(VARIANT_KEYS as readonly string[]).includes(key))
      throw new Error(`--variant: unknown option '${key}'; expected one of ${VARIANT_KEYS.join(', ')}`);
    const problem = variantValueProblem(key as keyof typeof VARIANT_OPTIONS, entry);
    if (problem) throw new Error(`--variant: ${problem}`);
  }
  return value as Partial<DecodeOptions>;
}

export function parseOptions(argv: readonly string[]): Options {
  const options: Options = { kv: [8192], heads: 2, headDim: 64, budgetMs: 8000, variants: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag}: expected a value`);
    if (flag === '--kv') options.kv = value.split(',').map((v) => whole('--kv', v, 64, 1 << 20));
    else if (flag === '--heads') options.heads = whole(flag, value, 1, 64);
    else if (flag === '--head-dim') options.headDim = whole(flag, value, 4, 256);
    else if (flag === '--budget-ms') options.budgetMs = whole(flag, value, 1000, 600_000);
    else if (flag === '--variant') options.variants.push(parseVariant(value));
    else throw new Error(`unknown option ${flag} (--kv, --heads, --head-dim, --budget-ms, --variant)`);
  }
  if (options.variants.length === 0) options.variants.push({});
  return options;
}

async function main(options: Options): Promise<void> {
  const gpu = await openGpu();
  const timer = await createTimer(gpu);
  const ctx = { gpu, timer, setupMs: 0 } as unknown as JobContext;
  const [decodeEntry] = entriesOf('decode').filter((e) => e.kernel === decode);
  console.log(`Adapter: ${adapterName(gpu.adapter)}${gpu.adapter.isSoftware ? ' (software)' : ''}`);
  try {
    for (const kv of options.kv) {
      const c: AttentionCase = {
        kind: 'attention',
        heads: options.heads,
        seqQ: 1,
        seqK: kv,
        headDim: options.headDim,
        causal: false,
      };
      const data = attentionData(c);
      const problem: AttentionProblem = {
        heads: c.heads,
        seqQ: 1,
        seqK: kv,
        headDim: c.headDim,
        causal: false,
        scale: 1 / Math.sqrt(c.headDim),
      };
      const reference = attentionReference(data.q, data.k, data.v, problem);
      for (const variant of options.variants) {
        const name = JSON.stringify(variant);
        const kernel = createDecode({ name: decode.name, ...variant });
        const bytes = kernel.cost(problem).bytes;
        const plan = workingSetFor(gpu, bytes);
        const call = await rotatingCall(ctx, name, plan, (set) =>
          attentionBuffers(
            gpu,
            kernel,
            problem,
            set === 0
              ? data
              : {
                  q: data.q,
                  k: randomFloats(data.k.length, 2 * set),
                  v: randomFloats(data.v.length, 2 * set + 1),
                },
          ),
        );
        try {
          const check = compareToReference(
            await call.output(),
            reference,
            toleranceFor(decodeEntry.tolerance, c),
          );
          if (!check.ok) throw new Error(`${name}: does not match the reference: ${check.failure}`);
          const out = await timeWithCeiling(
            ctx,
            `kv=${kv} ${name}`,
            call,
            bytes,
            plan.sets,
            options.budgetMs,
          );
          const p = out.ceilingPair;
          const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
          console.log(
            `kv=${kv} ${name}: ${pct(p.ratio)} of the read probe (95% CI ${pct(p.ci95[0])}–${pct(p.ci95[1])}), ` +
              `decode median ${out.measurement.latencyMs.median.toFixed(3)} ms; ${workingSetNote(plan, gpu.adapter.isSoftware)}` +
              `\n  ${out.note}`,
          );
        } finally {
          call.destroy();
        }
      }
    }
  } finally {
    timer.destroy();
    gpu.close();
  }
}

const USAGE =
  'usage: npx tsx scripts/decode-ceiling.ts [--kv 8192,2048] [--heads 2] [--head-dim 64] [--budget-ms 8000] [--variant \'{"lanes":2}\' ...]';

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runScript('decode-ceiling', USAGE, parseOptions, main);
}
