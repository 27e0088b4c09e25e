// flash attention: O = softmax(scale · Q Kᵀ, masked) V in ONE kernel; S and P never reach memory.
// q is (heads, seqQ, headDim); k, v are (heads, seqK, headDim); o is (heads, seqQ, headDim), all f32.
// Neighbours: `unfused` writes S to memory and reads it back three times; `fused-softmax` writes P
// once; flash keeps a query row per invocation in registers, streams K/V tiles of TILE_K keys
// through workgroup memory and keeps a running max and sum per row (online softmax, in the exp2
// domain: log2(e) is folded into the scale applied to q). `block-sparse` runs the same loop over
// the kept blocks of a mask only; here a mask is applied element by element (the full work).
//
// Grid: (ceil(seqQ / BLOCK_Q), heads folded into y and z); h = wid.y + wid.z · num_workgroups.y.
// Workgroup memory: 2 · TILE_SLOTS vec4 (K and V tiles; rows zero-padded to 16 floats).
// With KV_F16, K and V come from k16/v16: f16 pairs packed in u32 (vec2<u32> = 4 values), rows
// padded to a multiple of 4 values, converted once by the module (core WGSL pack/unpack2x16float,
// no `shader-f16` needed); accumulation stays f32.

override BLOCK_Q: u32 = 64u;  // query rows per workgroup = invocations, one row each (1..256)
// vec4 slots of a row of q, o and the tiles: headDim rounded up to 16 floats (4..64, a multiple
// of 4), fixed per pipeline so compilers can unroll the head-dimension loops and keep the tile's
// scores in registers. 0 = read it (and the keys per tile) from params at run time: one pipeline
// for every head dimension, which compiles several times faster on CPU adapters.
override HEAD_VEC4: u32 = 16u;
override TILE_K: u32 = 32u;   // keys per K/V tile (1..64) when HEAD_VEC4 > 0
override TILE_SLOTS: u32 = TILE_K * HEAD_VEC4; // vec4 capacity of each tile
override KV_F16: bool = false;

const MAX_VEC4: u32 = 64u; // 256 floats: the largest head dimension
const MAX_TILE_K: u32 = 64u;
const MASKED: f32 = -3.0e38;
const MASKED_BELOW: f32 = -1.0e38;
const LOG2E: f32 = 1.4426950408889634;

struct Params {
  heads: u32,
  seq_q: u32,
  seq_k: u32,
  head_dim: u32,
  scale: f32,
  causal: u32,
  has_mask: u32,
  block_size: u32,
  mask_cols: u32,
  causal_offset: i32, // seqK - seqQ
  _pad0: u32,
  _pad1: u32,
  head_vec4: u32, // used when HEAD_VEC4 == 0
  tile_k: u32,    // used when HEAD_VEC4 == 0; tile_k · head_vec4 <= TILE_SLOTS
  _pad2: u32,
  _pad3: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> mask_layout: array<u32>;
@group(0) @binding(5) var<storage, read_write> o: array<f32>;
@group(0) @binding(6) var<storage, read> k16: array<vec2<u32>>;
@group(0) @binding(7) var<storage, read> v16: array<vec2<u32>>;

var<workgroup> k_tile: array<vec4<f32>, TILE_SLOTS>;
var<workgroup> v_tile: array<vec4<f32>, TILE_SLOTS>;

alias Row = array<vec4<f32>, MAX_VEC4>;

fn head_vec4() -> u32 {
  return select(params.head_vec4, HEAD_VEC4, HEAD_VEC4 > 0u);
}

fn tile_k() -> u32 {
  return select(params.tile_k, TILE_K, HEAD_VEC4 > 0u);
}

// Values c4·4 .. c4·4+3 of a row of q, k or v starting at row_base; zero past headDim. Indices
// are clamped into the row and the excess zeroed, so every call is the same four loads.
fn row_mask(c4: u32) -> vec4<bool> {
  return vec4<u32>(4u * c4) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.head_dim);
}

fn load_q4(row_base: u32, c4: u32) -> vec4<f32> {
  let b = row_base + 4u * c4;
  let last = row_base + params.head_dim - 1u;
  let x = vec4<f32>(q[min(b, last)], q[min(b + 1u, last)], q[min(b + 2u, last)], q[min(b + 3u, last)]);
  return select(vec4<f32>(0.0), x, row_mask(c4));
}

fn load_k4(key_row: u32, c4: u32) -> vec4<f32> {
  if (KV_F16) {
    let row_words = (params.head_dim + 3u) / 4u;
    let w = k16[key_row * row_words + min(c4, row_words - 1u)];
    return select(vec4<f32>(0.0), vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y)), c4 < row_words);
  }
  let row_base = key_row * params.head_dim;
  let b = row_base + 4u * c4;
  let last = row_base + params.head_dim - 1u;
  let x = vec4<f32>(k[min(b, last)], k[min(b + 1u, last)], k[min(b + 2u, last)], k[min(b + 3u, last)]);
  return select(vec4<f32>(0.0), x, row_mask(c4));
}

fn load_v4(key_row: u32, c4: u32) -> vec4<f32> {
  if (KV_F16) {
    let row_words = (params.head_dim + 3u) / 4u;
    let w = v16[key_row * row_words + min(c4, row_words - 1u)];
    return select(vec4<f32>(0.0), vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y)), c4 < row_words);
  }
  let row_base = key_row * params.head_dim;
  let b = row_base + 4u * c4;
  let last = row_base + params.head_dim - 1u;
  let x = vec4<f32>(v[min(b, last)], v[min(b + 1u, last)], v[min(b + 2u, last)], v[min(b + 3u, last)]);
  return select(vec4<f32>(0.0), x, row_mask(c4));
}

// Copies keys [k0, k0 + n) of head h into the tiles, one vec4 slot per invocation and step, in
// memory order (consecutive invocations read consecutive addresses).
fn stage_tiles(h: u32, k0: u32, n: u32, t: u32) {
  let first_row = h * params.seq_k + k0;
  let hv = head_vec4();
  for (var slot = t; slot < n * hv; slot += BLOCK_Q) {
    let r = slot / hv;
    let c4 = slot % hv;
    k_tile[slot] = load_k4(first_row + r, c4);
    v_tile[slot] = load_v4(first_row + r, c4);
  }
}

fn allowed(i: u32, j: u32) -> bool {
  if (params.causal != 0u && i32(j) > i32(i) + params.causal_offset) {
    return false;
  }
  if (params.has_mask != 0u) {
    return mask_layout[(i / params.block_size) * params.mask_cols + j / params.block_size] != 0u;
  }
  return true;
}

struct Running {
  m: f32, // running max of the scores seen (exp2 domain), MASKED while none was allowed
  l: f32, // running sum of exp2(score - m)
}

// One tile of keys [k0, k0 + n) for query row i: scores, online-softmax update, o += P·V.
fn attend_tile(i: u32, k0: u32, n: u32, qr: ptr<function, Row>, acc: ptr<function, Row>,
               run: ptr<function, Running>) {
  // Explicitly zeroed: a `var` without initializer is not re-zeroed on every call here once inlined
  // into the tile loop (seen with Dawn/Tint + SwiftShader).
  var s = array<f32, MAX_TILE_K>();
  let hv = head_vec4();
  // Scores: head dimension outermost, 16 values of q in registers against every key of the tile.
  for (var c4 = 0u; c4 < hv; c4 += 4u) {
    let q0 = (*qr)[c4];
    let q1 = (*qr)[c4 + 1u];
    let q2 = (*qr)[c4 + 2u];
    let q3 = (*qr)[c4 + 3u];
    for (var kk = 0u; kk < n; kk++) {
      let b = kk * hv + c4;
      s[kk] += dot(q0, k_tile[b]) + dot(q1, k_tile[b + 1u]) + dot(q2, k_tile[b + 2u]) +
        dot(q3, k_tile[b + 3u]);
    }
  }
  // The mask, element by element; one lookup when the tile lies inside one mask block.
  var whole_tile = params.causal == 0u || i32(k0 + n - 1u) <= i32(i) + params.causal_offset;
  if (params.has_mask != 0u) {
    let first = k0 / params.block_size;
    let row = (i / params.block_size) * params.mask_cols;
    if (first == (k0 + n - 1u) / params.block_size) {
      if (mask_layout[row + first] == 0u) {
        return;
      }
    } else {
      whole_tile = false;
    }
  }
  var tile_max = MASKED;
  for (var kk = 0u; kk < n; kk++) {
    if (whole_tile || allowed(i, k0 + kk)) {
      tile_max = max(tile_max, s[kk]);
    } else {
      s[kk] = MASKED;
    }
  }
  if (tile_max <= MASKED_BELOW) {
    return;
  }
  let m_new = max((*run).m, tile_max);
  let correction = exp2((*run).m - m_new);
  var l = (*run).l * correction;
  for (var kk = 0u; kk < n; kk++) {
    let p = exp2(s[kk] - m_new);
    s[kk] = p;
    l += p;
  }
  (*run).m = m_new;
  (*run).l = l;
  for (var c4 = 0u; c4 < hv; c4 += 4u) {
    var o0 = (*acc)[c4] * correction;
    var o1 = (*acc)[c4 + 1u] * correction;
    var o2 = (*acc)[c4 + 2u] * correction;
    var o3 = (*acc)[c4 + 3u] * correction;
    for (var kk = 0u; kk < n; kk++) {
      let p = s[kk];
      let b = kk * hv + c4;
      o0 = fma(vec4<f32>(p), v_tile[b], o0);
      o1 = fma(vec4<f32>(p), v_tile[b + 1u], o1);
      o2 = fma(vec4<f32>(p), v_tile[b + 2u], o2);
      o3 = fma(vec4<f32>(p), v_tile[b + 3u], o3);
    }
    (*acc)[c4] = o0;
    (*acc)[c4 + 1u] = o1;
    (*acc)[c4 + 2u] = o2;
    (*acc)[c4 + 3u] = o3;
  }
}

@compute @workgroup_size(BLOCK_Q)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  let h = wid.y + wid.z * groups.y;
  if (h >= params.heads) {
    return;
  }
  let row0 = wid.x * BLOCK_Q;
  let i = row0 + t;
  let has_row = i < params.seq_q;
  let q_base = (h * params.seq_q + min(i, params.seq_q - 1u)) * params.head_dim;

  var qr: Row;
  var acc: Row;
  var run = Running(MASKED, 0.0);
  let q_scale = params.scale * LOG2E;
  for (var c4 = 0u; c4 < head_vec4(); c4++) {
    qr[c4] = load_q4(q_base, c4) * q_scale;
  }

  // Keys any row of this block may see: with causal, none past the last row's diagonal.
  var key_end = params.seq_k;
  if (params.causal != 0u) {
    let last_row = min(row0 + BLOCK_Q, params.seq_q) - 1u;
    key_end = u32(clamp(i32(last_row) + params.causal_offset + 1, 0, i32(params.seq_k)));
  }
  let tk = tile_k();
  for (var k0 = 0u; k0 < key_end; k0 += tk) {
    let n = min(tk, key_end - k0);
    workgroupBarrier();
    stage_tiles(h, k0, n, t);
    workgroupBarrier();
    if (has_row) {
      attend_tile(i, k0, n, &qr, &acc, &run);
    }
  }

  if (!has_row) {
    return;
  }
  let inv_l = select(0.0, 1.0 / run.l, run.l > 0.0);
  let out_base = (h * params.seq_q + i) * params.head_dim;
  for (var c = 0u; c < params.head_dim; c++) {
    o[out_base + c] = acc[c / 4u][c % 4u] * inv_l;
  }
}
