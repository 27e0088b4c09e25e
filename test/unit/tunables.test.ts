// What autotune may sweep: distinct, valid candidates with the adapter's defaults first, the other
// adapter kind's path among them (the name heuristic only picks the first), and cached
// configurations read back or refused.

import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import type { Gpu } from '../../src/gpu/gpu.ts';
import { decodeDefaults } from '../../src/kernels/decode.ts';
import { blockSparseTunable, decodeTunable, flashTunable } from '../../src/kernels/tunables.ts';
import { tuneKey } from '../../src/measure/autotune.ts';

const adapter = (isSoftware: boolean) =>
  ({
    adapter: { isSoftware },
    limits: { maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupSizeX: 256 },
  }) as unknown as Gpu;

describe('decode tunable', () => {
  it.each([true, false])(
    'software adapter: %s — the defaults first, then distinct splits, column counts and the other path',
    (isSoftware) => {
      const gpu = adapter(isSoftware);
      const candidates = decodeTunable.candidates(gpu);
      const d = decodeDefaults(isSoftware);
      expect(candidates[0].config).toEqual({ ...d, scoresWorkgroupSize: 0 });
      expect(new Set(candidates.map((c) => c.label)).size).toBe(candidates.length);
      // Software adapters also try the direct passes where the fused one-row pass would apply.
      expect(candidates.length).toBe(isSoftware ? 10 : 9);
      expect(candidates.filter((c) => c.config.subgroups === false).length).toBe(isSoftware ? 1 : 0);
      const other = decodeDefaults(!isSoftware);
      expect(
        candidates.some(
          (c) =>
            c.config.minWorkgroups === other.minWorkgroups &&
            c.config.lanes === other.lanes &&
            c.config.tiled === isSoftware,
        ),
      ).toBe(true);
      expect(candidates.filter((c) => c.config.tiled !== undefined).length).toBe(2);
      for (const c of candidates) {
        expect(c.kernel.name).toBe(c.label);
        expect(c.label).toMatch(/^decode\[w\d+,l[124](,s\d+)?(,tiled|,direct)?(,unfused)?\]$/);
        expect([1, 2, 4]).toContain(c.config.lanes);
        expect(Number.isInteger(c.config.minWorkgroups) && Number(c.config.minWorkgroups) >= 1).toBe(true);
      }
      expect(decodeTunable.shape).toBe('decode');
    },
  );

  it('reads a cached configuration back, and refuses one it no longer allows', () => {
    const gpu = adapter(true);
    expect(decodeTunable.fromConfig(gpu, { minWorkgroups: 16, lanes: 1 })?.label).toBe('decode[w16,l1]');
    expect(
      decodeTunable.fromConfig(gpu, { minWorkgroups: 16, lanes: 1, scoresWorkgroupSize: 64 })?.label,
    ).toBe('decode[w16,l1,s64]');
    expect(decodeTunable.fromConfig(gpu, { minWorkgroups: 16, lanes: 1, tiled: true })?.label).toBe(
      'decode[w16,l1,tiled]',
    );
    expect(decodeTunable.fromConfig(gpu, { minWorkgroups: 16, lanes: 1, tiled: 1 })).toBeUndefined();
    expect(decodeTunable.fromConfig(gpu, { minWorkgroups: 4, lanes: 4, subgroups: false })?.label).toBe(
      'decode[w4,l4,unfused]',
    );
    expect(decodeTunable.fromConfig(gpu, { minWorkgroups: 4, lanes: 4, subgroups: true })).toBeUndefined();
    expect(decodeTunable.fromConfig(gpu, { minWorkgroups: 16, lanes: 3 })).toBeUndefined();
    expect(
      decodeTunable.fromConfig(gpu, { minWorkgroups: 16, lanes: 1, scoresWorkgroupSize: 7 }),
    ).toBeUndefined();
    expect(decodeTunable.fromConfig(gpu, { minWorkgroups: 0, lanes: 1 })).toBeUndefined();
    expect(decodeTunable.fromConfig(gpu, { minWorkgroups: 2.5, lanes: 1 })).toBeUndefined();
    expect(decodeTunable.fromConfig(gpu, {})).toBeUndefined();
  });
});

describe.each([
  ['flash', flashTunable],
  ['block-sparse', blockSparseTunable],
])('%s tunable', (kernel, tunable) => {
  it.each([true, false])(
    'software adapter: %s — its own path first, the other path swept too',
    (isSoftware) => {
      const candidates = tunable.candidates(adapter(isSoftware));
      expect(candidates[0].config.staged).toBe(!isSoftware);
      expect(candidates.some((c) => c.config.staged === isSoftware)).toBe(true);
      expect(new Set(candidates.map((c) => c.label)).size).toBe(candidates.length);
      for (const c of candidates) {
        expect(c.kernel.name).toBe(c.label);
        expect(c.label.startsWith(`${kernel}[`)).toBe(true);
      }
    },
  );

  it('reads a cached configuration back, and refuses one it no longer allows', () => {
    const gpu = adapter(false);
    const back = tunable.fromConfig(gpu, { staged: true, blockQ: 32, tileK: 16, splits: 0 });
    expect(back?.config).toEqual({ staged: true, blockQ: 32, tileK: 16, splits: 0 });
    expect(tunable.fromConfig(gpu, { staged: true, blockQ: 512, tileK: 16, splits: 0 })).toBeUndefined();
    expect(tunable.fromConfig(gpu, { staged: false, blockQ: 32, tileK: 65, splits: 0 })).toBeUndefined();
    expect(tunable.fromConfig(gpu, {})).toBeUndefined();
  });
});

it('flash on a hardware adapter also tries no key split', () => {
  const labels = flashTunable.candidates(adapter(false)).map((c) => c.label);
  expect(labels).toContain('flash[staged,q64,k32,s1]');
  expect(labels).toContain('flash[staged,q64,k32,sauto]');
});

describe('the autotune cache key', () => {
  const gpu = {
    adapter: { vendor: 'v', architecture: 'a', device: 'd', description: 'x', isSoftware: false },
    limits: { maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupSizeX: 256 },
  } as unknown as Gpu;
  const candidates = flashTunable.candidates(gpu);

  it("holds attnscope's version: a new version's kernels sweep again under the same labels", () => {
    const key = tuneKey(gpu, flashTunable, candidates, '0.1.0');
    expect(key).toBe(tuneKey(gpu, flashTunable, candidates, '0.1.0'));
    expect(key).not.toBe(tuneKey(gpu, flashTunable, candidates, '0.2.0'));
    expect(tuneKey(gpu, flashTunable, candidates)).toContain(`attnscope ${packageJson.version}`);
  });

  it('holds the adapter and the candidate list', () => {
    const key = tuneKey(gpu, flashTunable, candidates, '0.1.0');
    const other = { ...gpu, adapter: { ...gpu.adapter, device: 'e' } } as unknown as Gpu;
    expect(key).not.toBe(tuneKey(other, flashTunable, candidates, '0.1.0'));
    expect(key).not.toBe(tuneKey(gpu, flashTunable, candidates.slice(1), '0.1.0'));
  });
});
