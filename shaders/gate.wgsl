// gate: the gated activation of a GLU feed-forward layer, h = act(a) · b, where the up projection's
// output is (rows, 2·ffn) with a = columns [0, ffn) and b = columns [ffn, 2·ffn) of each row, and h
// is (rows, ffn). GELU gives GeGLU (GLM-130B), SiLU gives SwiGLU (Llama).
//   GELU(a) = 0.5·a·(1 + tanh(√(2/π)·(a + 0.044715·a³)))   (the tanh form, as the matmul epilogue)
//   SiLU(a) = a / (1 + e^−a)
// The standalone pass, used when the down projection's GEMV cannot take the gating in its prologue
// (there it is fused: the GEMV reads a and b and gates them as it loads its input, and h never
// reaches memory). Work: one invocation per element of h, coalesced; reads 2, writes 1.

override WORKGROUP_SIZE: u32 = 256u;
override SWIGLU: bool = true;   // SiLU (SwiGLU); false: GELU (GeGLU)

struct Params {
  rows: u32,
  ffn: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> up: array<f32>;
@group(0) @binding(2) var<storage, read_write> h: array<f32>;

fn act(a: f32) -> f32 {
  if (SWIGLU) {
    // exp(−a) overflows f32 below a ≈ −88, and WGSL leaves an overflow undefined: clamp it (as the
    // gated GEMV prologue does); a / (1 + e^80) is within 1e-33 of SiLU there.
    return a / (1.0 + exp(clamp(-a, -80.0, 80.0)));
  }
  // tanh saturates: clamp its argument so that no exp inside it overflows.
  let inner = clamp(0.7978845608028654 * (a + 0.044715 * a * a * a), -15.0, 15.0);
  return 0.5 * a * (1.0 + tanh(inner));
}

// grid: (ceil(rows · ffn / WORKGROUP_SIZE)), folded into y past the dispatch limit.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let g = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (g >= params.rows * params.ffn) {
    return;
  }
  let r = g / params.ffn;
  let j = g % params.ffn;
  let base = r * 2u * params.ffn;
  h[g] = act(up[base + j]) * up[base + params.ffn + j];
}
