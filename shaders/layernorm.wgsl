// layernorm: y[r, :] = (x[r, :] − mean) / sqrt(var + eps) · gamma + beta, for rows × width f32
// (GLM-130B's norm). x, y are (rows, width); gamma, beta (width). Variance about the mean in a
// second sweep (not E[x²] − mean²: that cancels badly when the mean is large against the spread).
// Neighbour: rmsnorm.wgsl (no mean, no beta).
// Work: one workgroup per row, coalesced strided sweeps, sums folded in workgroup memory. Reads x
// three times (from cache after the first), writes y once. Nothing fused, as for rmsnorm.

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
@group(0) @binding(4) var<storage, read> beta: array<f32>;

var<workgroup> partial: array<f32, WORKGROUP_SIZE>;

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
  var sum = 0.0;
  for (var c = t; c < params.width; c += WORKGROUP_SIZE) {
    sum += x[base + c];
  }
  let mean = workgroup_sum(t, sum) / f32(params.width);
  var squares = 0.0;
  for (var c = t; c < params.width; c += WORKGROUP_SIZE) {
    let d = x[base + c] - mean;
    squares += d * d;
  }
  let inv = inverseSqrt(workgroup_sum(t, squares) / f32(params.width) + params.eps);
  for (var c = t; c < params.width; c += WORKGROUP_SIZE) {
    y[base + c] = (x[base + c] - mean) * inv * gamma[c] + beta[c];
  }
}
