// What autotune may sweep for decode: distinct, valid candidates with the adapter's defaults first,
// and cached configurations read back or refused.

import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../src/gpu/gpu.ts';
import { decodeDefaults } from '../../src/kernels/decode.ts';
import { decodeTunable } from '../../src/kernels/tunables.ts';

const adapter = (isSoftware: boolean) => ({ adapter: { isSoftware } }) as unknown as Gpu;

describe('decode tunable', () => {
  it.each([true, false])(
    'software adapter: %s — the defaults first, then distinct splits and column counts',
    (isSoftware) => {
      const gpu = adapter(isSoftware);
      const candidates = decodeTunable.candidates(gpu);
      const d = decodeDefaults(isSoftware);
      expect(candidates[0].config).toEqual(d);
      expect(new Set(candidates.map((c) => c.label)).size).toBe(candidates.length);
      expect(candidates.length).toBe(6);
      for (const c of candidates) {
        expect(c.kernel.name).toBe(c.label);
        expect(c.label).toBe(`decode[w${c.config.minWorkgroups},l${c.config.lanes}]`);
        expect([1, 2, 4]).toContain(c.config.lanes);
        expect(Number.isInteger(c.config.minWorkgroups) && Number(c.config.minWorkgroups) >= 1).toBe(true);
      }
      expect(decodeTunable.shape).toBe('decode');
    },
  );

  it('reads a cached configuration back, and refuses one it no longer allows', () => {
    const gpu = adapter(true);
    expect(decodeTunable.fromConfig(gpu, { minWorkgroups: 16, lanes: 1 })?.label).toBe('decode[w16,l1]');
    expect(decodeTunable.fromConfig(gpu, { minWorkgroups: 16, lanes: 3 })).toBeUndefined();
    expect(decodeTunable.fromConfig(gpu, { minWorkgroups: 0, lanes: 1 })).toBeUndefined();
    expect(decodeTunable.fromConfig(gpu, { minWorkgroups: 2.5, lanes: 1 })).toBeUndefined();
    expect(decodeTunable.fromConfig(gpu, {})).toBeUndefined();
  });
});
