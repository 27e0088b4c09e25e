// Block-mask builders (pure): exact layouts on small grids, ragged blocks, density, seeded
// determinism, the CPU twin of the top-k selection, and bad inputs with messages.

import { describe, expect, it } from 'vitest';
import { Gpu } from '../../src/gpu/gpu.ts';
import {
  type BlockMask,
  blockMask,
  diagonalBlock,
  pooledBlockScores,
  selectTopKLayout,
} from '../../src/masks/index.ts';
import { topKApproximationError } from '../../src/reference/topk-error.ts';

/** A layout as one string per query block ("1100"), easy to read in a failure. */
function rowsOf(mask: BlockMask): string[] {
  const out: string[] = [];
  for (let r = 0; r < mask.rows; r++)
    out.push(mask.layout.slice(r * mask.cols, (r + 1) * mask.cols).join(''));
  return out;
}

function randomArray(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

describe('diagonalBlock (bottom-right alignment)', () => {
  it.each([
    { name: 'square', shape: { blockSize: 16, seqQ: 64, seqK: 64 }, expected: [0, 1, 2, 3] },
    { name: 'square ragged', shape: { blockSize: 16, seqQ: 50, seqK: 50 }, expected: [0, 1, 2, 3] },
    { name: 'seqQ < seqK', shape: { blockSize: 16, seqQ: 20, seqK: 50 }, expected: [2, 3] },
    { name: 'decode', shape: { blockSize: 16, seqQ: 1, seqK: 100 }, expected: [6] },
    { name: 'seqQ > seqK', shape: { blockSize: 16, seqQ: 64, seqK: 16 }, expected: [-3, -2, -1, 0] },
  ])('$name', ({ shape, expected }) => {
    for (const [r, d] of expected.entries()) {
      if (d >= 0) expect(diagonalBlock(shape, r)).toBe(d);
      else expect(diagonalBlock(shape, r)).toBeLessThan(0);
    }
  });
});

describe('causal', () => {
  it.each([
    {
      name: 'square 4×4',
      shape: { blockSize: 16, seqQ: 64, seqK: 64 },
      rows: ['1000', '1100', '1110', '1111'],
    },
    {
      name: 'ragged 50',
      shape: { blockSize: 16, seqQ: 50, seqK: 50 },
      rows: ['1000', '1100', '1110', '1111'],
    },
    {
      name: 'seqQ < seqK, offset not a block multiple',
      shape: { blockSize: 16, seqQ: 20, seqK: 50 },
      rows: ['1110', '1111'],
    },
    { name: 'decode row', shape: { blockSize: 16, seqQ: 1, seqK: 64 }, rows: ['1111'] },
    {
      name: 'seqQ > seqK: early blocks see nothing',
      shape: { blockSize: 16, seqQ: 64, seqK: 16 },
      rows: ['0', '0', '0', '1'],
    },
    { name: 'one block', shape: { blockSize: 64, seqQ: 1, seqK: 1 }, rows: ['1'] },
  ])('$name', ({ shape, rows }) => {
    const mask = blockMask.causal(shape);
    expect(rowsOf(mask)).toEqual(rows);
    expect(mask.pattern).toBe('causal');
  });

  it('density is the fraction of blocks kept; elementDensity counts ragged blocks exactly', () => {
    const mask = blockMask.causal({ blockSize: 16, seqQ: 64, seqK: 64 });
    expect(mask.density).toBeCloseTo(10 / 16, 12);
    expect(mask.nnz).toBe(10);
    const ragged = blockMask.causal({ blockSize: 16, seqQ: 20, seqK: 20 });
    // blocks: (0,0) 16×16, (1,0) 4×16, (1,1) 4×4 kept; (0,1) 16×4 dropped
    expect(ragged.density).toBeCloseTo(3 / 4, 12);
    expect(ragged.elementDensity).toBeCloseTo((256 + 64 + 16) / 400, 12);
  });
});

describe('slidingWindow', () => {
  const shape = { blockSize: 8, seqQ: 40, seqK: 40 };
  it.each([
    {
      name: 'w=1 (diagonal only)',
      options: { window: 1 },
      rows: ['10000', '01000', '00100', '00010', '00001'],
    },
    { name: 'w=3', options: { window: 3 }, rows: ['11000', '11100', '01110', '00111', '00011'] },
    { name: 'w=5', options: { window: 5 }, rows: ['11100', '11110', '11111', '01111', '00111'] },
    {
      name: 'w=2 causal',
      options: { window: 2, causal: true },
      rows: ['10000', '11000', '01100', '00110', '00011'],
    },
    {
      name: 'w=99 (wider than the grid)',
      options: { window: 99 },
      rows: ['11111', '11111', '11111', '11111', '11111'],
    },
  ])('$name', ({ options, rows }) => {
    expect(rowsOf(blockMask.slidingWindow(shape, options))).toEqual(rows);
  });

  it('follows the diagonal when seqQ < seqK', () => {
    const mask = blockMask.slidingWindow({ blockSize: 8, seqQ: 16, seqK: 40 }, { window: 3 });
    expect(rowsOf(mask)).toEqual(['00111', '00011']);
    expect(mask.pattern).toBe('sliding-window(w=3)');
  });

  it('seqQ > seqK without causal: blocks aligned before the first key use key block 0', () => {
    const mask = blockMask.slidingWindow({ blockSize: 8, seqQ: 32, seqK: 16 }, { window: 1 });
    expect(rowsOf(mask)).toEqual(['10', '10', '10', '01']);
  });
});

describe('strided (dilated)', () => {
  const shape = { blockSize: 4, seqQ: 24, seqK: 24 };
  it.each([
    {
      name: 's=2',
      options: { stride: 2 },
      rows: ['101010', '010101', '101010', '010101', '101010', '010101'],
    },
    {
      name: 's=3 local=1',
      options: { stride: 3, local: 1 },
      rows: ['110100', '111010', '011101', '101110', '010111', '001011'],
    },
    {
      name: 's=2 causal',
      options: { stride: 2, causal: true },
      rows: ['100000', '010000', '101000', '010100', '101010', '010101'],
    },
    { name: 's=1 keeps everything', options: { stride: 1 }, rows: Array(6).fill('111111') },
  ])('$name', ({ options, rows }) => {
    expect(rowsOf(blockMask.strided(shape, options))).toEqual(rows);
  });
});

describe('bigBird', () => {
  const shape = { blockSize: 4, seqQ: 32, seqK: 32 };

  it('defaults (global 1, window 3, random 1): the base pattern plus one random block per row', () => {
    const mask = blockMask.bigBird(shape, { seed: 7 });
    const base = blockMask.bigBird(shape, { seed: 7, random: 0 });
    expect(rowsOf(base)).toEqual([
      '11111111',
      '11100000',
      '11110000',
      '10111000',
      '10011100',
      '10001110',
      '10000111',
      '10000011',
    ]);
    for (let r = 0; r < mask.rows; r++) {
      let extra = 0;
      for (let c = 0; c < mask.cols; c++) {
        const i = r * mask.cols + c;
        expect(mask.layout[i]).toBeGreaterThanOrEqual(base.layout[i]);
        extra += mask.layout[i] - base.layout[i];
      }
      expect(extra, `row ${r}`).toBe(r === 0 ? 0 : 1); // row 0 is global: nothing left to draw
    }
    expect(mask.pattern).toBe('bigbird(g=1,w=3,r=1,seed=7)');
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const big = { blockSize: 4, seqQ: 128, seqK: 128 };
    const a = blockMask.bigBird(big, { seed: 1, random: 2 });
    const b = blockMask.bigBird(big, { seed: 1, random: 2 });
    const c = blockMask.bigBird(big, { seed: 2, random: 2 });
    expect(a.layout).toEqual(b.layout);
    expect(a.layout).not.toEqual(c.layout);
  });

  it('causal keeps nothing right of the diagonal', () => {
    const mask = blockMask.bigBird(shape, { seed: 3, random: 2, causal: true });
    for (let r = 0; r < mask.rows; r++) {
      for (let c = r + 1; c < mask.cols; c++) expect(mask.layout[r * mask.cols + c]).toBe(0);
      expect(mask.layout[r * mask.cols + r]).toBe(1);
      expect(mask.layout[r * mask.cols]).toBe(1);
    }
  });

  it('asks for more random blocks than a row has: keeps the whole row', () => {
    const mask = blockMask.bigBird({ blockSize: 4, seqQ: 16, seqK: 16 }, { random: 10 });
    expect(mask.density).toBe(1);
  });
});

describe('builders reject bad input with the field and the limit', () => {
  const shape = { blockSize: 4, seqQ: 16, seqK: 16 };
  it.each([
    {
      name: 'window 0',
      build: () => blockMask.slidingWindow(shape, { window: 0 }),
      message: /window must be ≥ 1, got 0/,
    },
    {
      name: 'window even',
      build: () => blockMask.slidingWindow(shape, { window: 2 }),
      message: /window must be odd/,
    },
    {
      name: 'window fractional',
      build: () => blockMask.slidingWindow(shape, { window: 1.5 }),
      message: /window must be an integer/,
    },
    {
      name: 'window missing',
      build: () => blockMask.slidingWindow(shape, {} as { window: number }),
      message: /window must be an integer ≥ 1, got undefined/,
    },
    {
      name: 'window huge',
      build: () => blockMask.slidingWindow(shape, { window: 2 ** 21 + 1 }),
      message: /window 2097153 exceeds the limit of 1048576/,
    },
    { name: 'stride 0', build: () => blockMask.strided(shape, { stride: 0 }), message: /stride must be ≥ 1/ },
    {
      name: 'local −1',
      build: () => blockMask.strided(shape, { stride: 2, local: -1 }),
      message: /local must be ≥ 0/,
    },
    {
      name: 'causal not boolean',
      build: () => blockMask.strided(shape, { stride: 2, causal: 1 as unknown as boolean }),
      message: /causal must be true or false/,
    },
    {
      name: 'bigBird seed −1',
      build: () => blockMask.bigBird(shape, { seed: -1 }),
      message: /seed must be an integer in \[0, 4294967295\]/,
    },
    {
      name: 'bigBird window 4',
      build: () => blockMask.bigBird(shape, { window: 4 }),
      message: /bigBird: window must be odd/,
    },
    {
      name: 'bigBird random −2',
      build: () => blockMask.bigBird(shape, { random: -2 }),
      message: /random must be ≥ 0/,
    },
    {
      name: 'blockSize 0',
      build: () => blockMask.causal({ blockSize: 0, seqQ: 4, seqK: 4 }),
      message: /mask.blockSize: expected a positive integer/,
    },
    {
      name: 'blockSize too big',
      build: () => blockMask.causal({ blockSize: 5000, seqQ: 4, seqK: 4 }),
      message: /exceeds the limit of 4096/,
    },
    {
      name: 'seqK NaN',
      build: () => blockMask.causal({ blockSize: 4, seqQ: 4, seqK: Number.NaN }),
      message: /mask.seqK/,
    },
  ])('$name', ({ build, message }) => {
    expect(build).toThrow(message);
  });

  // A Gpu without a device: validation refuses the input before anything reaches it.
  const noGpu = Object.create(Gpu.prototype) as Gpu;
  const topKBase = { heads: 1, seqQ: 8, seqK: 8, headDim: 4, blockSize: 4, keep: 1 };
  it.each([
    {
      name: 'keep −1',
      input: { ...topKBase, keep: -1 },
      message: /keep must be an integer in \[0, 4294967295\], got -1/,
    },
    { name: 'keep 1.5', input: { ...topKBase, keep: 1.5 }, message: /keep must be an integer/ },
    { name: 'heads 0', input: { ...topKBase, heads: 0 }, message: /heads: must be at least 1/ },
    { name: 'blockSize 0', input: { ...topKBase, blockSize: 0 }, message: /mask.blockSize/ },
  ])('topK: $name', async ({ input, message }) => {
    const q = new Float32Array(input.heads * 8 * 4);
    await expect(blockMask.topK(noGpu, { ...input, q, k: q })).rejects.toThrow(message);
  });

  it('topK: q of the wrong length', async () => {
    await expect(
      blockMask.topK(noGpu, { ...topKBase, q: new Float32Array(5), k: new Float32Array(32) }),
    ).rejects.toThrow(/blockMask.topK: q: length 5 does not match heads × seqQ × headDim = 32/);
  });
});

describe('selectTopKLayout (CPU twin of the GPU selection)', () => {
  // 4 query blocks × 6 key blocks of 1 element; seqQ < seqK so the diagonal of row r is r + 2.
  const problem = { heads: 1, seqQ: 4, seqK: 6, headDim: 1, blockSize: 1, keep: 1 };
  const scores = [
    [0, 9, 1, 2, 3, 4], // diagonal 2, sink 0; best other: column 1
    [0, 1, 2, 3, 4, 5], // diagonal 3; best other: column 5
    [0, 7, 7, 7, 0, 0], // diagonal 4; ties 7 at columns 1, 2, 3: lowest column wins
    [0, -1, -2, -3, -4, -5], // diagonal 5; best other: column 1
  ].flat();

  it('keeps diagonal, sink and the keep best (ties to the lower column)', () => {
    const layout = selectTopKLayout(scores, problem);
    expect(Array.from(layout)).toEqual(
      [
        [1, 1, 1, 0, 0, 0],
        [1, 0, 0, 1, 0, 1],
        [1, 1, 0, 0, 1, 0],
        [1, 1, 0, 0, 0, 1],
      ].flat(),
    );
  });

  it('keep 0 keeps diagonal and sink only; keep ≥ cols is dense', () => {
    const none = selectTopKLayout(scores, { ...problem, keep: 0 });
    expect(Array.from(none).reduce((a, b) => a + b, 0)).toBe(8);
    expect(selectTopKLayout(scores, { ...problem, keep: 6 }).every((x) => x === 1)).toBe(true);
  });

  it('names itself, and refuses scores that are not one per block pair', () => {
    expect(() => selectTopKLayout(scores.slice(1), problem)).toThrow(
      'selectTopKLayout: scores: length 23 does not match query blocks × key blocks = 24',
    );
    expect(() => selectTopKLayout(scores, { ...problem, keep: -1 })).toThrow(
      /^selectTopKLayout: keep must be/,
    );
  });

  it('pooledBlockScores checks q and k against the shape, in its own name', () => {
    const q = new Float32Array(4);
    expect(() => pooledBlockScores(q, new Float32Array(5), problem)).toThrow(
      'pooledBlockScores: k: length 5 does not match heads × seqK × headDim = 6',
    );
    expect(() => pooledBlockScores(q, new Float32Array(6), { ...problem, heads: 0 })).toThrow(
      /^pooledBlockScores: heads/,
    );
    expect(
      Array.from(pooledBlockScores(Float32Array.of(1, 2, 3, 4), Float32Array.of(1, 1, 1, 1, 1, 1), problem)),
    ).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4]);
  });

  it('causal drops blocks right of the diagonal', () => {
    const layout = selectTopKLayout(scores, { ...problem, keep: 1, causal: true });
    expect(Array.from(layout)).toEqual(
      [
        [1, 1, 1, 0, 0, 0],
        [1, 0, 1, 1, 0, 0],
        [1, 1, 0, 0, 1, 0],
        [1, 1, 0, 0, 0, 1],
      ].flat(),
    );
  });
});

describe('topKApproximationError', () => {
  const dims = { heads: 2, seqQ: 12, seqK: 12, headDim: 4 };
  const q = randomArray(2 * 12 * 4, 1);
  const k = randomArray(2 * 12 * 4, 2);
  const v = randomArray(2 * 12 * 4, 3);
  it('is zero for a dense mask and positive for a sparse one', () => {
    const dense = blockMask.fromDense(new Uint8Array(9).fill(1), { blockSize: 4, seqQ: 12, seqK: 12 });
    expect(topKApproximationError({ q, k, v, ...dims }, dense)).toEqual({ maxAbsErr: 0, relativeL2: 0 });
    const sparse = blockMask.slidingWindow({ blockSize: 4, seqQ: 12, seqK: 12 }, { window: 1 });
    const error = topKApproximationError({ q, k, v, ...dims }, sparse);
    expect(error.maxAbsErr).toBeGreaterThan(0);
    expect(error.relativeL2).toBeGreaterThan(0);
    expect(error.relativeL2).toBeLessThan(2);
  });
});
