// flash attention: O = softmax(scale · Q Kᵀ, masked) V in ONE kernel; S and P never reach memory.
// q is (heads, seqQ, headDim); k, v are (heads, seqK, headDim); o is (heads, seqQ, headDim).
// Neighbours: `unfused` writes S to memory and reads it back three times; `fused-softmax` writes P
// once; flash keeps a query row per invocation in registers, walks the keys in tiles and keeps a
// running max and sum per row (online softmax, in the exp2 domain: log2(e) is folded into the
// scale applied to q). `block-sparse` runs the same loop over the kept blocks of a mask only; here
// a mask is applied element by element and masked tiles cost the same as kept ones (the full
// work); only tiles past the causal diagonal of a whole query block are skipped.
//
// Entry points (same bindings, same results):
//   main:        K/V tiles of tile_k keys staged through workgroup memory (GPUs);
//   main_direct: every invocation reads K/V rows straight from storage (CPU adapters such as
//                SwiftShader, where workgroup memory and barriers cost more than cached loads).
// Grid: (ceil(seqQ / BLOCK_Q), heads folded into y and z); h = wid.y + wid.z · num_workgroups.y.
// K and V are read as rows of hv = ceil(headDim / 4) vec4: k4/v4 in f32 (the caller's buffers
// when headDim % 4 == 0, else copies with padded rows made by the module), or with KV_F16 k16/v16
// (4 f16 values per vec2<u32>, packed by the module with core pack2x16float: no `shader-f16`
// needed); accumulation is f32 either way.

override BLOCK_Q: u32 = 64u; // query rows per workgroup = invocations, one row each (1..256)
// vec4 slots of a row of q, o and the tiles: headDim rounded up to 16 floats (4..64, a multiple
// of 4), fixed per pipeline so compilers can unroll the head-dimension loops and keep the tile's
// scores in registers. 0 = read it (and the keys per tile) from params at run time: one pipeline
// for every head dimension.
override HEAD_VEC4: u32 = 16u;
override TILE_K: u32 = 32u; // keys per tile (1..64) when HEAD_VEC4 > 0
override TILE_SLOTS: u32 = TILE_K * HEAD_VEC4; // vec4 capacity of each workgroup tile (main)
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
  tile_k: u32,    // used when HEAD_VEC4 == 0; tile_k · head_vec4 <= TILE_SLOTS for main
  _pad2: u32,
  _pad3: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> mask_layout: array<u32>;
@group(0) @binding(5) var<storage, read_write> o: array<f32>;
@group(0) @binding(6) var<storage, read> k16: array<vec2<u32>>;
@group(0) @binding(7) var<storage, read> v16: array<vec2<u32>>;

var<workgroup> k_tile: array<vec4<f32>, TILE_SLOTS>;
var<workgroup> v_tile: array<vec4<f32>, TILE_SLOTS>;

alias Row = array<vec4<f32>, MAX_VEC4>;
alias Scores = array<f32, MAX_TILE_K>;

fn head_vec4() -> u32 {
  return select(params.head_vec4, HEAD_VEC4, HEAD_VEC4 > 0u);
}

fn tile_k() -> u32 {
  return select(params.tile_k, TILE_K, HEAD_VEC4 > 0u);
}

// vec4 c4 of a q row (row_base = its first value); zero past headDim.
fn load_q4(row_base: u32, c4: u32) -> vec4<f32> {
  let b = row_base + 4u * c4;
  let last = row_base + params.head_dim - 1u;
  let x = vec4<f32>(q[min(b, last)], q[min(b + 1u, last)], q[min(b + 2u, last)], q[min(b + 3u, last)]);
  return select(vec4<f32>(0.0), x, vec4<u32>(4u * c4) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.head_dim));
}

// vec4 c4 of key row `row` (h · seqK + j) of K or V; zero in the padding past the row.
fn load_k4(row: u32, c4: u32) -> vec4<f32> {
  let hv = (params.head_dim + 3u) / 4u;
  let index = row * hv + min(c4, hv - 1u);
  var x: vec4<f32>;
  if (KV_F16) {
    let w = k16[index];
    x = vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
  } else {
    x = k4[index];
  }
  return select(vec4<f32>(0.0), x, c4 < hv);
}

fn load_v4(row: u32, c4: u32) -> vec4<f32> {
  let hv = (params.head_dim + 3u) / 4u;
  let index = row * hv + min(c4, hv - 1u);
  var x: vec4<f32>;
  if (KV_F16) {
    let w = v16[index];
    x = vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
  } else {
    x = v4[index];
  }
  return select(vec4<f32>(0.0), x, c4 < hv);
}

// main: copies keys [k0, k0 + n) of head h into the tiles, one vec4 slot per invocation and step,
// in memory order (consecutive invocations read consecutive addresses).
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

// Scores of the tile's n keys: head dimension outermost, 16 values of q in registers at a time.
fn scores_staged(n: u32, qr: ptr<function, Row>, s: ptr<function, Scores>) {
  let hv = head_vec4();
  for (var c4 = 0u; c4 < hv; c4 += 4u) {
    let q0 = (*qr)[c4];
    let q1 = (*qr)[c4 + 1u];
    let q2 = (*qr)[c4 + 2u];
    let q3 = (*qr)[c4 + 3u];
    for (var kk = 0u; kk < n; kk++) {
      let b = kk * hv + c4;
      (*s)[kk] += dot(q0, k_tile[b]) + dot(q1, k_tile[b + 1u]) + dot(q2, k_tile[b + 2u]) +
        dot(q3, k_tile[b + 3u]);
    }
  }
}

// Scores of keys first_row .. first_row + n - 1 into s[offset ..] (assigned, not accumulated:
// s need not be zeroed).
fn scores_direct(first_row: u32, n: u32, offset: u32, qr: ptr<function, Row>, s: ptr<function, Scores>) {
  let hv = head_vec4();
  for (var c4 = 0u; c4 < hv; c4 += 4u) {
    let q0 = (*qr)[c4];
    let q1 = (*qr)[c4 + 1u];
    let q2 = (*qr)[c4 + 2u];
    let q3 = (*qr)[c4 + 3u];
    for (var kk = 0u; kk < n; kk++) {
      let row = first_row + kk;
      let partial = dot(q0, load_k4(row, c4)) + dot(q1, load_k4(row, c4 + 1u)) +
        dot(q2, load_k4(row, c4 + 2u)) + dot(q3, load_k4(row, c4 + 3u));
      (*s)[offset + kk] = select((*s)[offset + kk], 0.0, c4 == 0u) + partial;
    }
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

// Masks the tile's scores element by element (one lookup when it lies inside one mask block),
// turns them into probabilities against the new running max and returns the factor that rescales
// the accumulated output.
fn softmax_tile(i: u32, k0: u32, n: u32, s: ptr<function, Scores>, run: ptr<function, Running>) -> f32 {
  var whole_tile = params.causal == 0u || i32(k0 + n - 1u) <= i32(i) + params.causal_offset;
  var kept = true;
  if (params.has_mask != 0u) {
    let first = k0 / params.block_size;
    if (first == (k0 + n - 1u) / params.block_size) {
      kept = mask_layout[(i / params.block_size) * params.mask_cols + first] != 0u;
    } else {
      whole_tile = false;
    }
  }
  var tile_max = MASKED;
  for (var kk = 0u; kk < n; kk++) {
    if (kept && (whole_tile || allowed(i, k0 + kk))) {
      tile_max = max(tile_max, (*s)[kk]);
    } else {
      (*s)[kk] = MASKED;
    }
  }
  let m_new = max((*run).m, tile_max);
  let correction = select(exp2((*run).m - m_new), 1.0, m_new <= MASKED_BELOW);
  var l = (*run).l * correction;
  for (var kk = 0u; kk < n; kk++) {
    let x = (*s)[kk];
    let p = select(exp2(x - m_new), 0.0, x <= MASKED_BELOW);
    (*s)[kk] = p;
    l += p;
  }
  (*run).m = m_new;
  (*run).l = l;
  return correction;
}

// acc = acc · correction + P · V over the tile.
fn pv_staged(n: u32, s: ptr<function, Scores>, acc: ptr<function, Row>, correction: f32) {
  let hv = head_vec4();
  for (var c4 = 0u; c4 < hv; c4 += 4u) {
    var o0 = (*acc)[c4] * correction;
    var o1 = (*acc)[c4 + 1u] * correction;
    var o2 = (*acc)[c4 + 2u] * correction;
    var o3 = (*acc)[c4 + 3u] * correction;
    for (var kk = 0u; kk < n; kk++) {
      let p = vec4<f32>((*s)[kk]);
      let b = kk * hv + c4;
      o0 = fma(p, v_tile[b], o0);
      o1 = fma(p, v_tile[b + 1u], o1);
      o2 = fma(p, v_tile[b + 2u], o2);
      o3 = fma(p, v_tile[b + 3u], o3);
    }
    (*acc)[c4] = o0;
    (*acc)[c4 + 1u] = o1;
    (*acc)[c4 + 2u] = o2;
    (*acc)[c4 + 3u] = o3;
  }
}

// acc = acc · correction + P · V over keys first_row .. first_row + n - 1, P from s[offset ..].
fn pv_direct(first_row: u32, n: u32, offset: u32, s: ptr<function, Scores>, acc: ptr<function, Row>,
             correction: f32) {
  let hv = head_vec4();
  for (var c4 = 0u; c4 < hv; c4 += 4u) {
    var o0 = (*acc)[c4] * correction;
    var o1 = (*acc)[c4 + 1u] * correction;
    var o2 = (*acc)[c4 + 2u] * correction;
    var o3 = (*acc)[c4 + 3u] * correction;
    for (var kk = 0u; kk < n; kk++) {
      let p = vec4<f32>((*s)[offset + kk]);
      let row = first_row + kk;
      o0 = fma(p, load_v4(row, c4), o0);
      o1 = fma(p, load_v4(row, c4 + 1u), o1);
      o2 = fma(p, load_v4(row, c4 + 2u), o2);
      o3 = fma(p, load_v4(row, c4 + 3u), o3);
    }
    (*acc)[c4] = o0;
    (*acc)[c4 + 1u] = o1;
    (*acc)[c4 + 2u] = o2;
    (*acc)[c4 + 3u] = o3;
  }
}

// The query row of invocation t (clamped: rows past seqQ compute and are not written), its q
// scaled into the exp2 domain, and the keys any row of the block may see (causal: none past the
// last row's diagonal).
struct Block {
  h: u32,
  i: u32,
  has_row: bool,
  key_end: u32,
}

fn block_of(wid: vec3<u32>, groups: vec3<u32>, t: u32, qr: ptr<function, Row>) -> Block {
  let h = wid.y + wid.z * groups.y;
  let row0 = wid.x * BLOCK_Q;
  let i = row0 + t;
  let q_base = (h * params.seq_q + min(i, params.seq_q - 1u)) * params.head_dim;
  let q_scale = params.scale * LOG2E;
  for (var c4 = 0u; c4 < head_vec4(); c4++) {
    (*qr)[c4] = load_q4(q_base, c4) * q_scale;
  }
  return Block(h, i, i < params.seq_q, block_key_end(wid));
}

// Keys any row of workgroup wid may see (causal: none past its last row's diagonal). A function of
// the workgroup alone, so `main` may loop to it around barriers (uniform control flow).
fn block_key_end(wid: vec3<u32>) -> u32 {
  if (params.causal == 0u) {
    return params.seq_k;
  }
  let last_row = min(wid.x * BLOCK_Q + BLOCK_Q, params.seq_q) - 1u;
  return u32(clamp(i32(last_row) + params.causal_offset + 1, 0, i32(params.seq_k)));
}

fn write_row(b: Block, acc: ptr<function, Row>, run: Running) {
  let inv_l = select(0.0, 1.0 / run.l, run.l > 0.0);
  let out_base = (b.h * params.seq_q + b.i) * params.head_dim;
  for (var c = 0u; c < params.head_dim; c++) {
    o[out_base + c] = (*acc)[c / 4u][c % 4u] * inv_l;
  }
}

@compute @workgroup_size(BLOCK_Q)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) t: u32) {
  if (wid.y + wid.z * groups.y >= params.heads) {
    return;
  }
  var qr: Row;
  var acc: Row;
  var run = Running(MASKED, 0.0);
  let b = block_of(wid, groups, t, &qr);
  let h = wid.y + wid.z * groups.y;
  let key_end = block_key_end(wid);
  let tk = tile_k();
  for (var k0 = 0u; k0 < key_end; k0 += tk) {
    let n = min(tk, key_end - k0);
    workgroupBarrier();
    stage_tiles(h, k0, n, t);
    workgroupBarrier();
    if (b.has_row) {
      // Explicitly zeroed: a `var` without initializer is not re-zeroed on every iteration here
      // (seen with Dawn/Tint + SwiftShader).
      var s = Scores();
      scores_staged(n, &qr, &s);
      let correction = softmax_tile(b.i, k0, n, &s, &run);
      pv_staged(n, &s, &acc, correction);
    }
  }
  if (b.has_row) {
    write_row(b, &acc, run);
  }
}

@compute @workgroup_size(BLOCK_Q)
fn main_direct(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
               @builtin(local_invocation_index) t: u32) {
  if (wid.y + wid.z * groups.y >= params.heads) {
    return;
  }
  var qr: Row;
  var acc: Row;
  var run = Running(MASKED, 0.0);
  let b = block_of(wid, groups, t, &qr);
  if (!b.has_row) {
    return;
  }
  // Each invocation walks its own row's keys: with causal, up to its own diagonal.
  var key_end = b.key_end;
  if (params.causal != 0u) {
    key_end = u32(clamp(i32(b.i) + params.causal_offset + 1, 0, i32(params.seq_k)));
  }
  let tk = tile_k();
  for (var k0 = 0u; k0 < key_end; k0 += tk) {
    let n = min(tk, key_end - k0);
    let first_row = b.h * params.seq_k + k0;
    var s: Scores;
    scores_direct(first_row, n, 0u, &qr, &s);
    let correction = softmax_tile(b.i, k0, n, &s, &run);
    pv_direct(first_row, n, 0u, &s, &acc, correction);
  }
  write_row(b, &acc, run);
}
