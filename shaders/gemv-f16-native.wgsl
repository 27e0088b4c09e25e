enable f16;

// gemv-f16-native: y = x · W (+ r), W in the f16 layout of gemv-f16 (gemv.wgsl's main_f16), but
// each word is bitcast to vec2<f16> and widened (needs the shader-f16 feature). The products and
// sums stay f32 (the contract: f32 accumulation), so it differs from gemv-f16 only in how a half is
// decoded. It is a file of its own because `enable f16` makes a module invalid on adapters without
// shader-f16; the rest is gemv.wgsl's, and must be kept the same.
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
// f32, nPadded = 4·nq; the weights are a word grid (kPadded / P rows) × nPadded, row-major,
// P = 2 values of one column per word: k = 2m in the low half, 2m + 1 in the high half.

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
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<u32>>;
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

// One word's two f16 values, read as f16 and widened.
fn halves(word: u32) -> vec2<f32> {
  return vec2<f32>(bitcast<vec2<f16>>(word));
}

// Word rows m and m + 1 of the lane's 4 columns (k 2m … 2m+3) as four k rows.
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

// grid: (ceil(nq / WORKGROUP_SIZE), splits of this dispatch). A step is 2 word rows (k 4·step … +3).
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = gid.x;
  let nq = params.nq;
  if (c >= nq) {
    return;
  }
  let first = params.step_begin + wid.y * params.steps_per_split;
  let last = min(first + params.steps_per_split, params.step_end);
  var step = first;
  // Two steps (four word rows) per trip, loaded before any is used: 64 bytes in flight per lane.
  for (; UNROLL && step + 2u <= last; step += 2u) {
    let i = (2u * step - params.row_base) * nq + c;
    let w0 = w[i];
    let w1 = w[i + nq];
    let w2 = w[i + 2u * nq];
    let w3 = w[i + 3u * nq];
    accumulate(step, quad_f16(w0, w1));
    accumulate(step + 1u, quad_f16(w2, w3));
  }
  for (; step < last; step++) {
    let i = (2u * step - params.row_base) * nq + c;
    accumulate(step, quad_f16(w[i], w[i + nq]));
  }
  finish(c, wid.y, vec4(1.0));
}
