// kv-pack: copies K or V into rows of whole vec4 for the attention kernels, once per prepared call.
// src is (rows, headDim) f32. Each row becomes hv = ceil(headDim / 4) slots, zero-padded past
// headDim, so every kernel load is one aligned vec4 whatever headDim is:
//   to_f16: dst is (rows, hv) vec2<u32>, 4 f16 values per slot (core pack2x16float: no `shader-f16`
//           needed; it leaves values past f16's range undefined, which attention() refuses) — the
//           *-f16 kernels read half the bytes;
//   to_f32: dst is (rows, hv) vec4<f32> — only made when headDim % 4 != 0 (else the kernels read
//           the caller's buffer directly).

override WORKGROUP_SIZE: u32 = 256u;

struct Shape {
  rows: u32,
  head_dim: u32,
}

@group(0) @binding(0) var<uniform> shape: Shape;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst16: array<vec2<u32>>;
@group(0) @binding(3) var<storage, read_write> dst32: array<vec4<f32>>;

// Slot w of the output: values 4·(w % hv) .. +3 of row w / hv.
fn slot_values(w: u32, hv: u32) -> vec4<f32> {
  let r = w / hv;
  let c = (w % hv) * 4u;
  var x = vec4<f32>(0.0);
  for (var e = 0u; e < 4u; e++) {
    if (c + e < shape.head_dim) {
      x[e] = src[r * shape.head_dim + c + e];
    }
  }
  return x;
}

// grid: (min(ceil(rows · hv / WORKGROUP_SIZE), 65535)); grid-stride over the slots.
@compute @workgroup_size(WORKGROUP_SIZE)
fn to_f16(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let hv = (shape.head_dim + 3u) / 4u;
  for (var w = gid.x; w < shape.rows * hv; w += groups.x * WORKGROUP_SIZE) {
    let x = slot_values(w, hv);
    dst16[w] = vec2<u32>(pack2x16float(x.xy), pack2x16float(x.zw));
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn to_f32(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let hv = (shape.head_dim + 3u) / 4u;
  for (var w = gid.x; w < shape.rows * hv; w += groups.x * WORKGROUP_SIZE) {
    dst32[w] = slot_values(w, hv);
  }
}
