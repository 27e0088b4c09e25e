// naive matmul: c = act(a · b + bias), one invocation per output element, every operand read from
// global memory. The baseline the tiled kernel is measured against.
// a is (m, k), b is (k, n), bias is (n), c is (m, n); row-major f32.

override TILE_X: u32 = 16u;
override TILE_Y: u32 = 16u;

struct Params {
  m: u32,
  k: u32,
  n: u32,
  has_bias: u32,
  activation: u32, // 0 none, 1 gelu (tanh form)
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

fn gelu(x: f32) -> f32 {
  let inner = 0.7978845608 * (x + 0.044715 * x * x * x);
  return 0.5 * x * (1.0 + tanh(clamp(inner, -15.0, 15.0)));
}

@compute @workgroup_size(TILE_X, TILE_Y)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col = gid.x;
  let row = gid.y;
  if (row >= params.m || col >= params.n) {
    return;
  }
  var acc = 0.0;
  for (var kk = 0u; kk < params.k; kk++) {
    acc = fma(a[row * params.k + kk], b[kk * params.n + col], acc);
  }
  if (params.has_bias != 0u) {
    acc += bias[col];
  }
  if (params.activation == 1u) {
    acc = gelu(acc);
  }
  c[row * params.n + col] = acc;
}
