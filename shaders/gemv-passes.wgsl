// The GEMV kernels' helper passes (shared by every gemv.wgsl kernel), one invocation per vec4:
//   gate:   the gated prologue. g is (rows, in_stride) f32; x[r][i] = act(g[r][i]) · g[r][in_offset + i]
//           for i < k (act: GeLU, tanh form, or SiLU), 0 for k ≤ i < 4·quads; x is (rows, 4·quads).
//           Done once per element here rather than in every lane of the main pass, where each of
//           the n / 4 lanes would evaluate act for all of k (n / 4 times the transcendentals).
//   reduce: the split-k sum. partial is (splits, rows, nPadded) f32; y[r] = Σ_s partial[s][r] (+ r[r]),
//           y and r (rows, nPadded) f32, nPadded = 4·quads.
// Neither uses workgroup memory.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  rows: u32,
  quads: u32,      // vec4 per row of the output: gate: kPadded / 4, reduce: nPadded / 4
  in_stride4: u32, // gate: vec4 per row of g
  in_offset4: u32, // gate: vec4 from a row's start in g to its linear half
  k: u32,          // gate: valid inputs per row
  act: u32,        // gate: 0 GeLU (tanh form), 1 SiLU
  splits: u32,     // reduce: partials to sum
  has_residual: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> g: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> partial: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> residual: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> y: array<vec4<f32>>;

fn gelu(v: vec4<f32>) -> vec4<f32> {
  let inner = 0.7978845608 * (v + 0.044715 * v * v * v);
  return 0.5 * v * (1.0 + tanh(clamp(inner, vec4(-15.0), vec4(15.0))));
}

fn silu(v: vec4<f32>) -> vec4<f32> {
  return v / (1.0 + exp(clamp(-v, vec4(-80.0), vec4(80.0))));
}

// grid: ceil(rows · quads / WORKGROUP_SIZE).
@compute @workgroup_size(WORKGROUP_SIZE)
fn gate(@builtin(global_invocation_id) gid: vec3<u32>) {
  let index = gid.x;
  if (index >= params.rows * params.quads) {
    return;
  }
  let r = index / params.quads;
  let i = index % params.quads;
  let base = r * params.in_stride4 + i;
  let a = g[base];
  let b = g[base + params.in_offset4];
  let gated = select(silu(a), gelu(a), params.act == 0u) * b;
  let valid = vec4(4u * i) + vec4(0u, 1u, 2u, 3u) < vec4(params.k);
  x[index] = select(vec4(0.0), gated, valid);
}

// grid: ceil(rows · quads / WORKGROUP_SIZE).
@compute @workgroup_size(WORKGROUP_SIZE)
fn reduce(@builtin(global_invocation_id) gid: vec3<u32>) {
  let index = gid.x;
  let per_split = params.rows * params.quads;
  if (index >= per_split) {
    return;
  }
  var sum = vec4(0.0);
  for (var s = 0u; s < params.splits; s++) {
    sum += partial[s * per_split + index];
  }
  if (params.has_residual != 0u) {
    sum += residual[index];
  }
  y[index] = sum;
}
