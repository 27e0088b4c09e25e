// gemv: y = x · W (+ r) for 1–16 activation rows, one entry point per weight format, each decoding
// its words in registers into the same f32 accumulation and write-back:
//   main_f32   W as f32 (the baseline the packed formats are measured against);
//   main_f16   W as IEEE f16 in packed pairs, decoded with unpack2x16float (every adapter: no
//              shader-f16 needed); gemv-f16-native is this file's main_f16 with `halves` (below)
//              decoding through the f16 type instead (src/kernels/gemv.ts builds its module);
//   main_int8  W as int8 with one f16 scale per output column (symmetric: value = q · s_j; a byte
//              sign-extended by two shifts, the column scale applied once, to the sum);
//   main_int4  W as int4 with one f16 scale per group of group_size consecutive k in each column
//              (value = q · s; a nibble sign-extended by two shifts, the scale applied once per word
//              and row); 4.5 bits per weight at group 32.
// Work mapping: lane c of the grid owns columns 4c … 4c+3 (consecutive lanes, consecutive 16-byte
// words: one coalesced vec4<u32> load per lane and word row) for all ROWS rows, accumulating in f32
// registers; the grid's second axis splits k into ranges of steps_per_split steps (split-k), so a
// 12288-wide k is not walked by one lane and a narrow matrix still fills the GPU. With one split in
// all, this pass writes y (+ r); otherwise each split writes a partial and the reduce entry of
// gemv-passes.wgsl sums them (+ r). A weight matrix over the binding limit is bound as ranges of
// word rows, one dispatch each (row_base, step_begin). No workgroup memory, no barrier: a CPU
// adapter runs the same code as few long invocations (one split, small workgroups; see gemv-plan.ts).
// x[r][k] is read straight from global memory (every lane of a workgroup reads the same vec4: the
// caches broadcast it). Fused: the residual epilogue (y = x·W + r, has_residual); the gated prologue
// (x = act(a)·b) runs as the gate entry of gemv-passes.wgsl before this pass.
// Layout (gemv-common.ts, README "Weight formats"): x is (rows, x_stride) f32, y and r (rows, nPadded)
// f32, nPadded = 4·nq; the weights are a word grid (kPadded / P rows) × nPadded, row-major, P values
// of one column per word: f32 P = 1 (the f32 bits); f16 P = 2 (k = 2m in the low half, 2m + 1 in the
// high half); int8 P = 4 (byte t holds k = 4m + t, two's complement); int4 P = 8 (nibble t, bits
// 4t … 4t+3, holds k = 8m + t, two's complement −8 … 7). Scales (f16 in pairs, even column low):
// int8 one per column; int4 ceil(k / groupSize) rows of nPadded, row g for k in [g·groupSize,
// (g+1)·groupSize). An entry point uses only its own format's bindings (f32 and f16 bind no scales).

override WORKGROUP_SIZE: u32 = 64u; // lanes along columns: one group of 4 columns each
override ROWS: u32 = 1u;            // activation rows, 1 … 16
override UNROLL: bool = true;       // load 4 word rows per trip before using them (GPUs; not CPU adapters)

struct Params {
  nq: u32,              // groups of 4 columns: nPadded / 4 (vec4 per word row, per row of y)
  x_stride4: u32,       // vec4 per row of x
  row_base: u32,        // first word row of the weights binding (bindings hold ranges of rows)
  step_begin: u32,      // first k step of this dispatch (a step is 4 k, 8 for int4)
  step_end: u32,        // one past its last k step
  steps_per_split: u32, // k steps per workgroup row (split) of the grid
  split_base: u32,      // index of this dispatch's first split among all partials
  direct: u32,          // 1: one split in all: write y (+ r); 0: write this split's partial
  has_residual: u32,
  group_steps: u32,     // int4: k steps per scale group
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> scales: array<vec2<u32>>; // int8, int4: f16 column scales
@group(0) @binding(4) var<storage, read> residual: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> out: array<vec4<f32>>;

// Row r's 4 columns, named rather than an indexed array: an indexed private array lives in memory
// on compilers that do not unroll (SwiftShader's among them). Rows past ROWS are never touched.
var<private> a0: vec4<f32>;
var<private> a1: vec4<f32>;
var<private> a2: vec4<f32>;
var<private> a3: vec4<f32>;
var<private> a4: vec4<f32>;
var<private> a5: vec4<f32>;
var<private> a6: vec4<f32>;
var<private> a7: vec4<f32>;
var<private> a8: vec4<f32>;
var<private> a9: vec4<f32>;
var<private> a10: vec4<f32>;
var<private> a11: vec4<f32>;
var<private> a12: vec4<f32>;
var<private> a13: vec4<f32>;
var<private> a14: vec4<f32>;
var<private> a15: vec4<f32>;

// Four consecutive k (k0 … k3) of the lane's 4 columns, dequantised.
struct Quad {
  k0: vec4<f32>,
  k1: vec4<f32>,
  k2: vec4<f32>,
  k3: vec4<f32>,
}

fn row_fma(acc: vec4<f32>, xv: vec4<f32>, d: Quad) -> vec4<f32> {
  return fma(vec4(xv.w), d.k3, fma(vec4(xv.z), d.k2, fma(vec4(xv.y), d.k1, fma(vec4(xv.x), d.k0, acc))));
}

// Adds x[r][4·kq … 4·kq+3] · d to row r's accumulator, for every row.
fn accumulate(kq: u32, d: Quad) {
  let s = params.x_stride4;
  a0 = row_fma(a0, x[kq], d);
  if (ROWS > 1u) { a1 = row_fma(a1, x[s + kq], d); }
  if (ROWS > 2u) { a2 = row_fma(a2, x[2u * s + kq], d); }
  if (ROWS > 3u) { a3 = row_fma(a3, x[3u * s + kq], d); }
  if (ROWS > 4u) { a4 = row_fma(a4, x[4u * s + kq], d); }
  if (ROWS > 5u) { a5 = row_fma(a5, x[5u * s + kq], d); }
  if (ROWS > 6u) { a6 = row_fma(a6, x[6u * s + kq], d); }
  if (ROWS > 7u) { a7 = row_fma(a7, x[7u * s + kq], d); }
  if (ROWS > 8u) { a8 = row_fma(a8, x[8u * s + kq], d); }
  if (ROWS > 9u) { a9 = row_fma(a9, x[9u * s + kq], d); }
  if (ROWS > 10u) { a10 = row_fma(a10, x[10u * s + kq], d); }
  if (ROWS > 11u) { a11 = row_fma(a11, x[11u * s + kq], d); }
  if (ROWS > 12u) { a12 = row_fma(a12, x[12u * s + kq], d); }
  if (ROWS > 13u) { a13 = row_fma(a13, x[13u * s + kq], d); }
  if (ROWS > 14u) { a14 = row_fma(a14, x[14u * s + kq], d); }
  if (ROWS > 15u) { a15 = row_fma(a15, x[15u * s + kq], d); }
}

fn accumulator(r: u32) -> vec4<f32> {
  switch (r) {
    case 0u: { return a0; }
    case 1u: { return a1; }
    case 2u: { return a2; }
    case 3u: { return a3; }
    case 4u: { return a4; }
    case 5u: { return a5; }
    case 6u: { return a6; }
    case 7u: { return a7; }
    case 8u: { return a8; }
    case 9u: { return a9; }
    case 10u: { return a10; }
    case 11u: { return a11; }
    case 12u: { return a12; }
    case 13u: { return a13; }
    case 14u: { return a14; }
    default: { return a15; }
  }
}

// Stores every row's 4 columns (times the columns' scale): to y (+ r) when this is the only split,
// else to this split's partial, which the reduce pass (gemv-passes.wgsl) sums.
fn finish(c: u32, split: u32, column_scale: vec4<f32>) {
  let nq = params.nq;
  for (var r = 0u; r < ROWS; r++) {
    let v = accumulator(r) * column_scale;
    if (params.direct != 0u) {
      if (params.has_residual != 0u) {
        out[r * nq + c] = v + residual[r * nq + c];
      } else {
        out[r * nq + c] = v;
      }
    } else {
      out[((params.split_base + split) * ROWS + r) * nq + c] = v;
    }
  }
}


// The k steps of this lane's split: [first, last).
fn split_steps(split: u32) -> vec2<u32> {
  let first = params.step_begin + split * params.steps_per_split;
  return vec2(first, min(first + params.steps_per_split, params.step_end));
}

// BEGIN halves: one word's two f16 values as f32, the only f16 decode in this file. gemv-f16-native
// compiles this file with `enable f16;` prepended and this function, between these marker lines,
// replaced by a bitcast through vec2<f16> (nativeF16Source in src/kernels/gemv.ts): keep it alone here.
fn halves(word: u32) -> vec2<f32> {
  return unpack2x16float(word);
}
// END halves

// The f16 scales of 4 columns (two packed words).
fn column_scales(pair: vec2<u32>) -> vec4<f32> {
  return vec4(halves(pair.x), halves(pair.y));
}

// Word rows m … m+3 of the lane's 4 columns (i = its word in row m): one coalesced 16-byte load per
// lane and row, all four issued before any is used, 64 bytes in flight per lane (what a GPU needs to
// cover memory latency).
struct Words {
  w0: vec4<u32>,
  w1: vec4<u32>,
  w2: vec4<u32>,
  w3: vec4<u32>,
}

fn four_rows(i: u32) -> Words {
  let nq = params.nq;
  return Words(w[i], w[i + nq], w[i + 2u * nq], w[i + 3u * nq]);
}

// grid (every entry point): (ceil(nq / WORKGROUP_SIZE), splits of this dispatch).

// f32: word rows 4m … 4m+3 of the lane's 4 columns (k 4m … 4m+3) as four k rows.
fn quad_f32(q: Words) -> Quad {
  return Quad(bitcast<vec4<f32>>(q.w0), bitcast<vec4<f32>>(q.w1), bitcast<vec4<f32>>(q.w2), bitcast<vec4<f32>>(q.w3));
}

// f32: a step is 4 word rows (k 4·step … +3), already 64 bytes in flight per lane (UNROLL unused).
@compute @workgroup_size(WORKGROUP_SIZE)
fn main_f32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = gid.x;
  let nq = params.nq;
  if (c >= nq) {
    return;
  }
  let range = split_steps(wid.y);
  for (var step = range.x; step < range.y; step++) {
    accumulate(step, quad_f32(four_rows((4u * step - params.row_base) * nq + c)));
  }
  finish(c, wid.y, vec4(1.0));
}

// f16: word rows m and m + 1 of the lane's 4 columns (k 2m … 2m+3) as four k rows.
fn quad_f16(w0: vec4<u32>, w1: vec4<u32>) -> Quad {
  let p0 = halves(w0.x);
  let p1 = halves(w0.y);
  let p2 = halves(w0.z);
  let p3 = halves(w0.w);
  let q0 = halves(w1.x);
  let q1 = halves(w1.y);
  let q2 = halves(w1.z);
  let q3 = halves(w1.w);
  return Quad(
    vec4(p0.x, p1.x, p2.x, p3.x),
    vec4(p0.y, p1.y, p2.y, p3.y),
    vec4(q0.x, q1.x, q2.x, q3.x),
    vec4(q0.y, q1.y, q2.y, q3.y),
  );
}

// f16: a step is 2 word rows (k 4·step … +3).
@compute @workgroup_size(WORKGROUP_SIZE)
fn main_f16(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = gid.x;
  let nq = params.nq;
  if (c >= nq) {
    return;
  }
  let range = split_steps(wid.y);
  var step = range.x;
  // Two steps (four word rows) per trip, loaded before any is used.
  for (; UNROLL && step + 2u <= range.y; step += 2u) {
    let q = four_rows((2u * step - params.row_base) * nq + c);
    accumulate(step, quad_f16(q.w0, q.w1));
    accumulate(step + 1u, quad_f16(q.w2, q.w3));
  }
  for (; step < range.y; step++) {
    let i = (2u * step - params.row_base) * nq + c;
    accumulate(step, quad_f16(w[i], w[i + nq]));
  }
  finish(c, wid.y, vec4(1.0));
}

// int8: one word row m of the lane's 4 columns (k 4m … 4m+3, a byte each) as four k rows of q: byte
// t sign-extended by shifting it to the top and back (constant shifts: cheaper than extractBits on
// a CPU adapter).
fn quad_int8(word: vec4<u32>) -> Quad {
  let v = bitcast<vec4<i32>>(word);
  return Quad(
    vec4<f32>((v << vec4(24u)) >> vec4(24u)),
    vec4<f32>((v << vec4(16u)) >> vec4(24u)),
    vec4<f32>((v << vec4(8u)) >> vec4(24u)),
    vec4<f32>(v >> vec4(24u)),
  );
}

// int8: a step is 1 word row (k 4·step … +3). The column scale multiplies the sum once at the end
// (Σ x·q·s = s·Σ x·q).
@compute @workgroup_size(WORKGROUP_SIZE)
fn main_int8(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = gid.x;
  let nq = params.nq;
  if (c >= nq) {
    return;
  }
  let range = split_steps(wid.y);
  var step = range.x;
  // Four word rows per trip, loaded before any is used.
  for (; UNROLL && step + 4u <= range.y; step += 4u) {
    let q = four_rows((step - params.row_base) * nq + c);
    accumulate(step, quad_int8(q.w0));
    accumulate(step + 1u, quad_int8(q.w1));
    accumulate(step + 2u, quad_int8(q.w2));
    accumulate(step + 3u, quad_int8(q.w3));
  }
  for (; step < range.y; step++) {
    accumulate(step, quad_int8(w[(step - params.row_base) * nq + c]));
  }
  finish(c, wid.y, column_scales(scales[c]));
}

// int4: the lane's 4 words (one per column) as q for k 8m … 8m+3 (lo) and 8m+4 … 8m+7 (hi): nibble t
// sign-extended by shifting it to the top and back (constant shifts: cheaper than extractBits on
// a CPU adapter).
fn nibble(v: vec4<i32>, t: u32) -> vec4<f32> {
  return vec4<f32>((v << vec4(28u - 4u * t)) >> vec4(28u));
}

fn quad_int4(v: vec4<i32>, first: u32) -> Quad {
  return Quad(nibble(v, first), nibble(v, first + 1u), nibble(v, first + 2u), nibble(v, first + 3u));
}

// acc += (x[8m … 8m+7] · q) · s for one row: the scale once per word, not once per weight.
fn row_fma8(acc: vec4<f32>, lo: vec4<f32>, hi: vec4<f32>, dlo: Quad, dhi: Quad, s: vec4<f32>) -> vec4<f32> {
  return fma(row_fma(row_fma(vec4(0.0), lo, dlo), hi, dhi), s, acc);
}

// Adds every row's x[r][8m … 8m+7] · (q · s) to its accumulator (kq = 2m: x as vec4).
fn accumulate8(kq: u32, v: vec4<i32>, s: vec4<f32>) {
  let st = params.x_stride4;
  let dlo = quad_int4(v, 0u);
  let dhi = quad_int4(v, 4u);
  a0 = row_fma8(a0, x[kq], x[kq + 1u], dlo, dhi, s);
  if (ROWS > 1u) { a1 = row_fma8(a1, x[st + kq], x[st + kq + 1u], dlo, dhi, s); }
  if (ROWS > 2u) { a2 = row_fma8(a2, x[2u * st + kq], x[2u * st + kq + 1u], dlo, dhi, s); }
  if (ROWS > 3u) { a3 = row_fma8(a3, x[3u * st + kq], x[3u * st + kq + 1u], dlo, dhi, s); }
  if (ROWS > 4u) { a4 = row_fma8(a4, x[4u * st + kq], x[4u * st + kq + 1u], dlo, dhi, s); }
  if (ROWS > 5u) { a5 = row_fma8(a5, x[5u * st + kq], x[5u * st + kq + 1u], dlo, dhi, s); }
  if (ROWS > 6u) { a6 = row_fma8(a6, x[6u * st + kq], x[6u * st + kq + 1u], dlo, dhi, s); }
  if (ROWS > 7u) { a7 = row_fma8(a7, x[7u * st + kq], x[7u * st + kq + 1u], dlo, dhi, s); }
  if (ROWS > 8u) { a8 = row_fma8(a8, x[8u * st + kq], x[8u * st + kq + 1u], dlo, dhi, s); }
  if (ROWS > 9u) { a9 = row_fma8(a9, x[9u * st + kq], x[9u * st + kq + 1u], dlo, dhi, s); }
  if (ROWS > 10u) { a10 = row_fma8(a10, x[10u * st + kq], x[10u * st + kq + 1u], dlo, dhi, s); }
  if (ROWS > 11u) { a11 = row_fma8(a11, x[11u * st + kq], x[11u * st + kq + 1u], dlo, dhi, s); }
  if (ROWS > 12u) { a12 = row_fma8(a12, x[12u * st + kq], x[12u * st + kq + 1u], dlo, dhi, s); }
  if (ROWS > 13u) { a13 = row_fma8(a13, x[13u * st + kq], x[13u * st + kq + 1u], dlo, dhi, s); }
  if (ROWS > 14u) { a14 = row_fma8(a14, x[14u * st + kq], x[14u * st + kq + 1u], dlo, dhi, s); }
  if (ROWS > 15u) { a15 = row_fma8(a15, x[15u * st + kq], x[15u * st + kq + 1u], dlo, dhi, s); }
}

// int4: a step is 1 word row (k 8·step … +7); the outer loop walks scale groups (group_steps steps each), loading a group's scales once.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main_int4(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = gid.x;
  let nq = params.nq;
  if (c >= nq) {
    return;
  }
  let range = split_steps(wid.y);
  let last = range.y;
  var step = range.x;
  while (step < last) {
    let group = step / params.group_steps;
    let group_end = min((group + 1u) * params.group_steps, last);
    let s = column_scales(scales[group * nq + c]);
    // Four word rows per trip, loaded before any is used.
    for (; UNROLL && step + 4u <= group_end; step += 4u) {
      let q = four_rows((step - params.row_base) * nq + c);
      accumulate8(2u * step, bitcast<vec4<i32>>(q.w0), s);
      accumulate8(2u * step + 2u, bitcast<vec4<i32>>(q.w1), s);
      accumulate8(2u * step + 4u, bitcast<vec4<i32>>(q.w2), s);
      accumulate8(2u * step + 6u, bitcast<vec4<i32>>(q.w3), s);
    }
    for (; step < group_end; step++) {
      accumulate8(2u * step, bitcast<vec4<i32>>(w[(step - params.row_base) * nq + c]), s);
    }
  }
  finish(c, wid.y, vec4(1.0));
}
