// rmsnorm: y[r, :] = x[r, :] / sqrt(mean(x[r, :]²) + eps) · gamma, for rows × width f32 (Llama's
// norm before attention and before the feed-forward layer). x, y are (rows, width); gamma (width).
// Neighbour: layernorm.wgsl also subtracts the mean and adds beta.
// Work: one workgroup per row. Each invocation sums the squares of the elements t, t + WG, … (loads
// of neighbouring invocations are neighbouring: coalesced), the sums are folded in workgroup memory,
// then every invocation writes its elements scaled. Reads x twice (the second time from cache: a
// row is at most a few tens of KB), writes y once. Nothing fused: a norm needs the whole row before
// any output, and the GEMV that follows reads its input from memory either way.

override WORKGROUP_SIZE: u32 = 256u;

struct Params {
  rows: u32,
  width: u32,
  eps: f32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

// The sum of `value` over the workgroup (every invocation gets it).
fn workgroup_sum(t: u32, value: f32) -> f32 {
  partial[t] = value;
  workgroupBarrier();
  for (var half = WORKGROUP_SIZE / 2u; half > 0u; half /= 2u) {
    if (t < half) {
      partial[t] += partial[t + half];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

// grid: (rows). WORKGROUP_SIZE must be a power of two.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.x;
  let t = lid.x;
  let base = row * params.width;
  var squares = 0.0;
  for (var c = t; c < params.width; c += WORKGROUP_SIZE) {
    let v = x[base + c];
    squares += v * v;
  }
  let total = workgroup_sum(t, squares);
  let inv = inverseSqrt(total / f32(params.width) + params.eps);
  for (var c = t; c < params.width; c += WORKGROUP_SIZE) {
    y[base + c] = x[base + c] * inv * gamma[c];
  }
}
