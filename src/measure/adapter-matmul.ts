// Matmul jobs: seeded a and b (and a bias for the fused epilogue), checked against the f64 reference;
// verified on a smaller product when the reference of the real one would take too long.

import { matmulBuffers } from '../kernels/launch.ts';
import type { MatmulKernel, MatmulProblem } from '../kernels/types.ts';
import { compareToReference } from '../reference/compare.ts';
import { seededArray } from '../util/random.ts';
import {
  caseKey,
  describeCase,
  type MatmulCase,
  matmulData,
  toleranceFor,
  verificationCase,
} from './cases.ts';
import type { JobContext } from './context.ts';
import { type FamilyAdapter, kernelCall, lookupEntry, type Runnable, unavailable } from './family.ts';

type Epilogue = { bias: boolean; activation: 'none' | 'gelu' };

const NO_EPILOGUE: Epilogue = { bias: false, activation: 'none' };

function problemOf(c: MatmulCase, epilogue: Epilogue): MatmulProblem {
  return { m: c.m, k: c.k, n: c.n, ...epilogue };
}

function dataOf(c: MatmulCase, epilogue: Epilogue) {
  return { ...matmulData(c), bias: epilogue.bias ? seededArray(c.n, 0xb1a5 ^ c.n) : undefined };
}

/** A matmul kernel prepared on a case's data: a, b (and bias) uploaded, c allocated. */
export function matmulCall(
  ctx: JobContext,
  kernel: MatmulKernel,
  c: MatmulCase,
  label: string,
  epilogue: Epilogue = NO_EPILOGUE,
): Promise<Runnable> {
  return kernelCall(ctx, label, matmulBuffers(ctx.gpu, kernel, problemOf(c, epilogue), dataOf(c, epilogue)));
}

export const matmulAdapter: FamilyAdapter = {
  async resolve(ctx, job) {
    if (job.what.kind !== 'matmul') throw new Error(`${job.id}: not a matmul job`);
    const c = job.what.case;
    const epilogue: Epilogue = { bias: job.what.bias, activation: job.what.activation };
    const entry = lookupEntry(ctx.registries, job.kernel, ['matmul']);
    const { kernel } = entry;
    const missing = unavailable(ctx, kernel);
    if (missing) return { skipped: missing };
    const problem = problemOf(c, epilogue);
    const declined = kernel.decline?.(problem, ctx.gpu);
    if (declined) return { skipped: `${kernel.name} declines ${describeCase(c)}: ${declined}` };
    const tag =
      epilogue.bias || epilogue.activation !== 'none' ? `:bias=${epilogue.bias}:${epilogue.activation}` : '';
    return {
      case: c,
      verifyOn: verificationCase(c),
      cost: kernel.cost(problem),
      tolerance: toleranceFor(entry.tolerance, c),
      params: {},
      prepare: (checked, label) => matmulCall(ctx, kernel, checked as MatmulCase, label, epilogue),
      async check(checked, output) {
        const small = checked as MatmulCase;
        const data = dataOf(small, epilogue);
        const reference = ctx.references.matmul(caseKey(small) + tag, data, {
          ...problemOf(small, epilogue),
          bias: data.bias,
        });
        return { comparison: compareToReference(output, reference, toleranceFor(entry.tolerance, small)) };
      },
    };
  },
};
