// The norms of a decoder layer, for rows × width f32; x, y are (rows, width), gamma and beta (width):
//   rmsnorm:   y[r, :] = x[r, :] / sqrt(mean(x[r, :]²) + eps) · gamma (Llama's norm before attention
//              and before the feed-forward layer);
//   layernorm: y[r, :] = (x[r, :] − mean) / sqrt(var + eps) · gamma + beta (GLM-130B's norm); the
//              variance about the mean in a second sweep (not E[x²] − mean²: that cancels badly when
//              the mean is large against the spread).
// Work: one workgroup per row. Each invocation sums the elements t, t + WG, … (loads of neighbouring
// invocations are neighbouring: coalesced), the sums are folded in workgroup memory, then every
// invocation writes its elements scaled. rmsnorm reads x twice, layernorm three times (from cache
// after the first: a row is at most a few tens of KB); y is written once. Nothing fused: a norm
// needs the whole row before any output, and the GEMV that follows reads its input from memory
// either way. Each entry point uses only its own bindings (rmsnorm has no beta).

override WORKGROUP_SIZE: u32 = 256u;

struct Params {
  rows: u32,
  width: u32,
  eps: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>; // layernorm only

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

// The mean over the workgroup's row of (x − center)².
fn mean_square(t: u32, base: u32, center: f32) -> f32 {
  var squares = 0.0;
  for (var c = t; c < params.width; c += WORKGROUP_SIZE) {
    let d = x[base + c] - center;
    squares += d * d;
  }
  return workgroup_sum(t, squares) / f32(params.width);
}

// grid: (rows). WORKGROUP_SIZE must be a power of two.
@compute @workgroup_size(WORKGROUP_SIZE)
fn rmsnorm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let t = lid.x;
  let base = wid.x * params.width;
  let inv = inverseSqrt(mean_square(t, base, 0.0) + params.eps);
  for (var c = t; c < params.width; c += WORKGROUP_SIZE) {
    y[base + c] = x[base + c] * inv * gamma[c];
  }
}

// grid: (rows). WORKGROUP_SIZE must be a power of two.
@compute @workgroup_size(WORKGROUP_SIZE)
fn layernorm(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let t = lid.x;
  let base = wid.x * params.width;
  var sum = 0.0;
  for (var c = t; c < params.width; c += WORKGROUP_SIZE) {
    sum += x[base + c];
  }
  let mean = workgroup_sum(t, sum) / f32(params.width);
  let inv = inverseSqrt(mean_square(t, base, mean) + params.eps);
  for (var c = t; c < params.width; c += WORKGROUP_SIZE) {
    y[base + c] = (x[base + c] - mean) * inv * gamma[c] + beta[c];
  }
}
