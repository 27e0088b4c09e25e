// kv-f16: packs f32 rows into f16 storage for the *-f16 attention kernels (K and V are converted
// once per prepared call; the kernels unpack with unpack2x16float and accumulate in f32).
// src is (rows, headDim) f32; dst is (rows, ceil(headDim / 4)) vec2<u32>: 4 f16 values per element,
// each row zero-padded to a multiple of 4 values so every kernel load is one aligned 8-byte word pair.
// Values beyond the f16 range (±65504) become ±inf.

override WORKGROUP_SIZE: u32 = 256u;

struct Shape {
  rows: u32,
  head_dim: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec2<u32>>;

// grid: (min(ceil(words / WORKGROUP_SIZE), 65535)); grid-stride over the words of dst.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let row_words = (shape.head_dim + 3u) / 4u;
  let count = shape.rows * row_words;
  for (var w = gid.x; w < count; w += groups.x * WORKGROUP_SIZE) {
    let r = w / row_words;
    let c = (w % row_words) * 4u;
    var x = vec4<f32>(0.0);
    for (var e = 0u; e < 4u; e++) {
      if (c + e < shape.head_dim) {
        x[e] = src[r * shape.head_dim + c + e];
      }
    }
    dst[w] = vec2<u32>(pack2x16float(x.xy), pack2x16float(x.zw));
  }
}
