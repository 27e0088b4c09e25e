// rope-append: rotary position embedding fused with the KV-cache append, the step between the QKV
// projection and decode attention. qkv is (batch, (heads + 2·kvHeads) · headDim) f32, each row the
// query heads, then the key heads, then the value heads of one sequence; the output q is (batch,
// heads · headDim) = (batch · heads, 1, headDim) as decode attention reads it; the caches k_cache
// and v_cache are (batch · kvHeads, capacity, headDim), and row `position` of each is written.
// Fused: rotating q and k and appending k and v to the cache happen in one pass over qkv (a separate
// RoPE pass would write q and k and read them back).
// RoPE in the rotate-half form (GPT-NeoX, Llama): for d < headDim/2 with θ_d = position · base^(−2d/headDim),
//   out[d]          = x[d] · cos θ_d − x[d + headDim/2] · sin θ_d
//   out[d + hd/2]   = x[d + headDim/2] · cos θ_d + x[d] · sin θ_d
// cos θ_d and sin θ_d come from `table` (headDim/2 pairs, computed in f64 on the host for this
// position: no f32 argument reduction of large angles on the GPU).
// Work: one invocation per element of qkv; neighbouring invocations read and write neighbouring
// elements (coalesced). Each reads its element and its rotation partner (from cache), writes one.
// KV_F16 = 1: the caches hold packed f16 (the layout decode-f16 reads in place as k16/v16: per row
// hv = ceil(headDim / 4) vec2<u32>, 4 values per slot, even value in the low half; headDim even, so
// a pair (d, d + 1), d even, never straddles a word). The invocation of an even d of a K or V head
// rounds its element and the next to f16 (pack2x16float) and writes one word; the odd one returns.
// KV_F16 = 0: f32 caches, (batch · kvHeads, capacity, headDim), each element stored as its bits.

override WORKGROUP_SIZE: u32 = 256u;
override KV_F16: u32 = 0u;

struct Params {
  batch: u32,
  heads: u32,
  kv_heads: u32,
  head_dim: u32,
  capacity: u32,   // rows of each cache head
  position: u32,   // the row this token is appended at
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> table: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> q: array<f32>;
// f32 bits (KV_F16 = 0) or packed f16 pairs (KV_F16 = 1).
@group(0) @binding(4) var<storage, read_write> k_cache: array<u32>;
@group(0) @binding(5) var<storage, read_write> v_cache: array<u32>;

fn rotated(base: u32, d: u32) -> f32 {
  let half = params.head_dim / 2u;
  if (d < half) {
    let cs = table[d];
    return qkv[base + d] * cs.x - qkv[base + d + half] * cs.y;
  }
  let cs = table[d - half];
  return qkv[base + d] * cs.x + qkv[base + d - half] * cs.y;
}

// grid: (ceil(batch · (heads + 2·kvHeads) · headDim / WORKGROUP_SIZE)), folded into y past the
// dispatch limit (the host picks x and y).
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let cols = (params.heads + 2u * params.kv_heads) * params.head_dim;
  let g = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (g >= params.batch * cols) {
    return;
  }
  let b = g / cols;
  let c = g % cols;
  let d = c % params.head_dim;
  let head = c / params.head_dim;
  let base = g - d;
  if (head < params.heads) {
    q[b * params.heads * params.head_dim + c] = rotated(base, d);
    return;
  }
  let kv = head - params.heads;
  let cache_head = b * params.kv_heads + kv % params.kv_heads;
  let row = cache_head * params.capacity + params.position;
  if (KV_F16 == 1u) {
    if (d % 2u == 1u) {
      return;
    }
    let at = row * 2u * ((params.head_dim + 3u) / 4u) + d / 2u;
    if (kv < params.kv_heads) {
      k_cache[at] = pack2x16float(vec2<f32>(rotated(base, d), rotated(base, d + 1u)));
    } else {
      v_cache[at] = pack2x16float(vec2<f32>(qkv[g], qkv[g + 1u]));
    }
    return;
  }
  let at = row * params.head_dim + d;
  if (kv < params.kv_heads) {
    k_cache[at] = bitcast<u32>(rotated(base, d));
  } else {
    v_cache[at] = bitcast<u32>(qkv[g]);
  }
}
