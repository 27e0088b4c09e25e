// flash and block-sparse attention: O = softmax(scale · Q Kᵀ, masked) V in ONE kernel; S and P
// never reach memory. q is (heads, seqQ, headDim); k, v are (kvHeads, seqK, headDim), query head h
// reading KV head h / kv_group (grouped-query attention); o is (heads, seqQ, headDim). Neighbours: `unfused` writes S to memory and reads it back three times;
// `fused-softmax` writes P once; here a query row per invocation stays in registers while the keys
// go by in tiles, with a running max and sum per row (online softmax, in the exp2 domain: log2(e)
// is folded into the scale applied to q).
//
// flash walks every key and applies a mask element by element (masked tiles cost as much as kept
// ones; only tiles past the causal diagonal of a whole query block are skipped). block-sparse walks
// only the kept key blocks of its query block's row of the mask's CSR (row pointers + key-block
// indices, one u32 buffer), so the work per visited block is the same at any density; inside a
// kept block only causality (and the ragged last block) is checked per element. Both share this
// file's loads, tiles, softmax and output, so they differ in what they visit and nothing else.
//
// Entry points (one pipeline each; same bindings):
//   main, main_direct:               flash; sparse_main, sparse_main_direct: block-sparse.
//   main, sparse_main:               K/V tiles of tile_k keys staged through workgroup memory (GPUs);
//   main_direct, sparse_main_direct: every invocation reads K/V rows straight from storage (CPU
//                                    adapters such as SwiftShader, where workgroup memory and
//                                    barriers cost more than cached loads).
// Grids: flash and sparse_main_direct: (ceil(seqQ / BLOCK_Q), heads folded into y and z), h = wid.y
// + wid.z · num_workgroups.y, each invocation on its own row (and mask row). `main` on a grid too
// small to fill a large GPU (few heads × query blocks) splits the keys as well: (ceil(seqQ /
// BLOCK_Q) · splits, …), each workgroup walking split_keys keys and writing a partial (output, max,
// sum) per row, and `merge` (grid (seqQ, heads folded)) combines a row's partials.
// Memory: q row and output accumulator in private memory (loops over HEAD_VEC4 and TILE_K, override
// constants on specialised pipelines: constant indices, registers); K/V tiles in workgroup memory,
// loaded by consecutive invocations from consecutive addresses (`main`, `sparse_main`). sparse_main: (mask rows
// · sub_tiles, heads folded into y and z), as its tiles are shared by the workgroup's rows:
// workgroup x covers query rows rb·B + st·T + [0, T) of mask row rb = x / sub_tiles, st = x %
// sub_tiles (B = the mask's block size, T = tile_rows = min(BLOCK_Q, B), sub_tiles = ceil(B / T)),
// so a workgroup never straddles two mask rows (invocations past T idle when B < BLOCK_Q).
// K and V are read as rows of hv = ceil(headDim / 4) vec4: k4/v4 in f32 (the caller's buffers
// when headDim % 4 == 0, else copies with padded rows made by the module), or with KV_F16 k16/v16
// (4 f16 values per vec2<u32>, packed by the module with core pack2x16float: no `shader-f16`
// needed); accumulation is f32 either way.

override BLOCK_Q: u32 = 64u; // invocations per workgroup (1..256), one query row each
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
  kv_group: u32,      // query heads per KV head: head h reads K/V of head h / kv_group
  head_vec4: u32, // used when HEAD_VEC4 == 0
  tile_k: u32,    // used when HEAD_VEC4 == 0; tile_k · head_vec4 <= TILE_SLOTS for main
  // block-sparse only (0 for flash):
  sub_tiles: u32, // workgroups per mask row: ceil(block_size / tile_rows)
  mask_rows: u32, // ceil(seqQ / block_size); the CSR's column indices start at mask_rows + 1
  tile_rows: u32, // query rows per workgroup: min(BLOCK_Q, block_size)
  // flash `main` only (1 and 0 otherwise): key splits per query block, and keys per split
  splits: u32,
  split_keys: u32, // a multiple of tile_k
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v4: array<vec4<f32>>;
// flash: the mask's 0/1 layout (mask rows × mask_cols); block-sparse: its CSR, row pointers
// (mask_rows + 1) then the ascending key-block indices of each row. One word when there is none.
@group(0) @binding(4) var<storage, read> mask_words: array<u32>;
@group(0) @binding(5) var<storage, read_write> o: array<f32>;
@group(0) @binding(6) var<storage, read> k16: array<vec2<u32>>;
@group(0) @binding(7) var<storage, read> v16: array<vec2<u32>>;
// `main` with splits > 1: per (head, query row, split) head_vec4 vec4 of unnormalised output, then
// (max, sum, 0, 0); `merge` combines a row's splits into o.
@group(0) @binding(8) var<storage, read_write> part: array<vec4<f32>>;

var<workgroup> k_tile: array<vec4<f32>, TILE_SLOTS>;
var<workgroup> v_tile: array<vec4<f32>, TILE_SLOTS>;

alias Row = array<vec4<f32>, MAX_VEC4>;
alias Scores = array<f32, MAX_TILE_K>;

// The first K/V row of the KV head that query head h reads.
fn kv_base(h: u32) -> u32 {
  return (h / params.kv_group) * params.seq_k;
}

fn head_vec4() -> u32 {
  return select(params.head_vec4, HEAD_VEC4, HEAD_VEC4 > 0u);
}

fn tile_k() -> u32 {
  return select(params.tile_k, TILE_K, HEAD_VEC4 > 0u);
}

// Loop bound over a tile's n keys: TILE_K on a specialised pipeline (a constant, so the loops unroll
// and the score array is indexed by constants and can live in registers; the loops guard kk < n),
// n itself on the run-time path.
fn tile_loop(n: u32) -> u32 {
  return select(n, TILE_K, HEAD_VEC4 > 0u);
}

// vec4 c4 of a q row (row_base = its first value); zero past headDim.
fn load_q4(row_base: u32, c4: u32) -> vec4<f32> {
  let b = row_base + 4u * c4;
  let last = row_base + params.head_dim - 1u;
  let x = vec4<f32>(q[min(b, last)], q[min(b + 1u, last)], q[min(b + 2u, last)], q[min(b + 3u, last)]);
  return select(vec4<f32>(0.0), x, vec4<u32>(4u * c4) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.head_dim));
}

// KV_F16: a slot's 4 values, packed as f16 pairs (kv-pack.wgsl), as f32.
fn widen(w: vec2<u32>) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
}

// vec4 c4 of key row `row` (h · seqK + j) of K, and of V; zero in the padding past the row.
fn load_k4(row: u32, c4: u32) -> vec4<f32> {
  if (KV_F16) { return in_row(c4, widen(k16[kv_index(row, c4)])); }
  return in_row(c4, k4[kv_index(row, c4)]);
}

fn load_v4(row: u32, c4: u32) -> vec4<f32> {
  if (KV_F16) { return in_row(c4, widen(v16[kv_index(row, c4)])); }
  return in_row(c4, v4[kv_index(row, c4)]);
}

// Index of vec4 c4 of K/V row `row`, clamped into the row; in_row zeroes a vec4 past it.
fn kv_index(row: u32, c4: u32) -> u32 {
  let hv = (params.head_dim + 3u) / 4u;
  return row * hv + min(c4, hv - 1u);
}

fn in_row(c4: u32, x: vec4<f32>) -> vec4<f32> {
  return select(vec4<f32>(0.0), x, c4 < (params.head_dim + 3u) / 4u);
}

// 16 values of a head-dimension row, vec4 c4 … c4 + 3: the score and P·V loops take the head
// dimension 16 values at a time, in named registers.
struct Chunk {
  x0: vec4<f32>,
  x1: vec4<f32>,
  x2: vec4<f32>,
  x3: vec4<f32>,
}

fn row_chunk(r: ptr<function, Row>, c4: u32) -> Chunk {
  return Chunk((*r)[c4], (*r)[c4 + 1u], (*r)[c4 + 2u], (*r)[c4 + 3u]);
}

fn set_row_chunk(r: ptr<function, Row>, c4: u32, x: Chunk) {
  (*r)[c4] = x.x0;
  (*r)[c4 + 1u] = x.x1;
  (*r)[c4 + 2u] = x.x2;
  (*r)[c4 + 3u] = x.x3;
}

fn k_chunk(row: u32, c4: u32) -> Chunk {
  return Chunk(load_k4(row, c4), load_k4(row, c4 + 1u), load_k4(row, c4 + 2u), load_k4(row, c4 + 3u));
}

fn v_chunk(row: u32, c4: u32) -> Chunk {
  return Chunk(load_v4(row, c4), load_v4(row, c4 + 1u), load_v4(row, c4 + 2u), load_v4(row, c4 + 3u));
}

// main: the chunk at slot b of the staged K or V tile.
fn k_tile_chunk(b: u32) -> Chunk {
  return Chunk(k_tile[b], k_tile[b + 1u], k_tile[b + 2u], k_tile[b + 3u]);
}

fn v_tile_chunk(b: u32) -> Chunk {
  return Chunk(v_tile[b], v_tile[b + 1u], v_tile[b + 2u], v_tile[b + 3u]);
}

// q · k over a chunk.
fn dot16(q: Chunk, k: Chunk) -> f32 {
  return dot(q.x0, k.x0) + dot(q.x1, k.x1) + dot(q.x2, k.x2) + dot(q.x3, k.x3);
}

// o + p · v over a chunk.
fn fma16(p: f32, v: Chunk, o: Chunk) -> Chunk {
  let pv = vec4<f32>(p);
  return Chunk(fma(pv, v.x0, o.x0), fma(pv, v.x1, o.x1), fma(pv, v.x2, o.x2), fma(pv, v.x3, o.x3));
}

fn scaled(x: Chunk, f: f32) -> Chunk {
  return Chunk(x.x0 * f, x.x1 * f, x.x2 * f, x.x3 * f);
}

// main: copies keys [k0, k0 + n) of query head h's KV head into the tiles, one vec4 slot per invocation and step,
// in memory order (consecutive invocations read consecutive addresses).
fn stage_tiles(h: u32, k0: u32, n: u32, t: u32) {
  let first_row = kv_base(h) + k0;
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
    let q = row_chunk(qr, c4);
    for (var kk = 0u; kk < tile_loop(n); kk++) {
      if (kk < n) {
        (*s)[kk] += dot16(q, k_tile_chunk(kk * hv + c4));
      }
    }
  }
}

struct Running {
  m: f32, // running max of the scores seen (exp2 domain), MASKED while none was allowed
  l: f32, // running sum of exp2(score - m)
}

// Turns the tile's n (masked) scores into probabilities against the new running max and returns
// the factor that rescales the accumulated output.
fn softmax_probs(n: u32, s: ptr<function, Scores>, run: ptr<function, Running>) -> f32 {
  var tile_max = MASKED;
  for (var kk = 0u; kk < tile_loop(n); kk++) {
    if (kk < n) {
      tile_max = max(tile_max, (*s)[kk]);
    }
  }
  let m_new = max((*run).m, tile_max);
  let correction = select(exp2((*run).m - m_new), 1.0, m_new <= MASKED_BELOW);
  var l = (*run).l * correction;
  for (var kk = 0u; kk < tile_loop(n); kk++) {
    if (kk < n) {
      let x = (*s)[kk];
      let p = select(exp2(x - m_new), 0.0, x <= MASKED_BELOW);
      (*s)[kk] = p;
      l += p;
    }
  }
  (*run).m = m_new;
  (*run).l = l;
  return correction;
}

// acc = acc · correction + P · V over the tile.
fn pv_staged(n: u32, s: ptr<function, Scores>, acc: ptr<function, Row>, correction: f32) {
  let hv = head_vec4();
  for (var c4 = 0u; c4 < hv; c4 += 4u) {
    var o = scaled(row_chunk(acc, c4), correction);
    for (var kk = 0u; kk < tile_loop(n); kk++) {
      if (kk < n) {
        o = fma16((*s)[kk], v_tile_chunk(kk * hv + c4), o);
      }
    }
    set_row_chunk(acc, c4, o);
  }
}

// o row = acc / l, a vec4 of acc at a time: acc is indexed by the loop over head_vec4() (a constant
// on specialised pipelines), the components past headDim are not written.
fn write_row(b: Block, acc: ptr<function, Row>, run: Running) {
  let inv_l = select(0.0, 1.0 / run.l, run.l > 0.0);
  let out_base = (b.h * params.seq_q + b.i) * params.head_dim;
  for (var c4 = 0u; c4 < head_vec4(); c4++) {
    store_o4(out_base, c4, (*acc)[c4] * inv_l);
  }
}

// Columns 4·c4 … 4·c4 + 3 of the o row starting at out_base, those past headDim left out.
fn store_o4(out_base: u32, c4: u32, x: vec4<f32>) {
  let c = 4u * c4;
  let at = out_base + c;
  if (c + 3u < params.head_dim) {
    o[at] = x.x;
    o[at + 1u] = x.y;
    o[at + 2u] = x.z;
    o[at + 3u] = x.w;
  } else {
    if (c < params.head_dim) {
      o[at] = x.x;
    }
    if (c + 1u < params.head_dim) {
      o[at + 1u] = x.y;
    }
    if (c + 2u < params.head_dim) {
      o[at + 2u] = x.z;
    }
  }
}

// The head and query row of an invocation (rows past its workgroup's are computed from a clamped
// row and not written: has_row false) and its mask row (block-sparse).
struct Block {
  h: u32,
  i: u32,
  has_row: bool,
  mask_row: u32,
}

// q row i of head h into qr, scaled into the exp2 domain (rows past seqQ read the last one).
fn load_q_row(h: u32, i: u32, qr: ptr<function, Row>) {
  let q_base = (h * params.seq_q + min(i, params.seq_q - 1u)) * params.head_dim;
  let q_scale = params.scale * LOG2E;
  for (var c4 = 0u; c4 < head_vec4(); c4++) {
    (*qr)[c4] = load_q4(q_base, c4) * q_scale;
  }
}

// main and sparse_main: one tile of n keys from k0, staged by the whole workgroup (so called from
// uniform control flow: it holds the barriers), then scored, masked (flash: element by element;
// block-sparse, inside a kept block: causality only) and accumulated by each row.
fn staged_tile(b: Block, k0: u32, n: u32, t: u32, kept_block: bool, qr: ptr<function, Row>,
               acc: ptr<function, Row>, run: ptr<function, Running>) {
  workgroupBarrier();
  stage_tiles(b.h, k0, n, t);
  workgroupBarrier();
  if (b.has_row) {
    // Explicitly zeroed: a `var` without initializer is not re-zeroed on every tile here (seen with
    // Dawn/Tint + SwiftShader).
    var s = Scores();
    scores_staged(n, qr, &s);
    if (kept_block) {
      mask_causal(b.i, k0, n, &s);
    } else {
      mask_tile(b.i, k0, n, &s);
    }
    let correction = softmax_probs(n, &s, run);
    pv_staged(n, &s, acc, correction);
  }
}

// ---------------------------------------------------------------------------------------------
// flash

// Scores of keys first_row .. first_row + n - 1 into s (assigned, not accumulated: s need not be
// zeroed).
fn scores_direct(first_row: u32, n: u32, qr: ptr<function, Row>, s: ptr<function, Scores>) {
  let hv = head_vec4();
  for (var c4 = 0u; c4 < hv; c4 += 4u) {
    let q = row_chunk(qr, c4);
    for (var kk = 0u; kk < n; kk++) {
      let partial = dot16(q, k_chunk(first_row + kk, c4));
      (*s)[kk] = select((*s)[kk], 0.0, c4 == 0u) + partial;
    }
  }
}

fn allowed(i: u32, j: u32) -> bool {
  if (j >= causal_key_end(i)) {
    return false;
  }
  if (params.has_mask != 0u) {
    return mask_words[(i / params.block_size) * params.mask_cols + j / params.block_size] != 0u;
  }
  return true;
}

// Masks the tile's scores element by element (one lookup when it lies inside one mask block).
fn mask_tile(i: u32, k0: u32, n: u32, s: ptr<function, Scores>) {
  var whole_tile = k0 + n <= causal_key_end(i);
  var kept = true;
  if (params.has_mask != 0u) {
    let first = k0 / params.block_size;
    if (first == (k0 + n - 1u) / params.block_size) {
      kept = mask_words[(i / params.block_size) * params.mask_cols + first] != 0u;
    } else {
      whole_tile = false;
    }
  }
  if (kept && whole_tile) {
    return;
  }
  for (var kk = 0u; kk < tile_loop(n); kk++) {
    if (kk < n && (!kept || !allowed(i, k0 + kk))) {
      (*s)[kk] = MASKED;
    }
  }
}

// acc = acc · correction + P · V over keys first_row .. first_row + n - 1, P from s.
fn pv_direct(first_row: u32, n: u32, s: ptr<function, Scores>, acc: ptr<function, Row>, correction: f32) {
  let hv = head_vec4();
  for (var c4 = 0u; c4 < hv; c4 += 4u) {
    var o = scaled(row_chunk(acc, c4), correction);
    for (var kk = 0u; kk < n; kk++) {
      o = fma16((*s)[kk], v_chunk(first_row + kk, c4), o);
    }
    set_row_chunk(acc, c4, o);
  }
}

// Workgroup x of `main` takes query block x / splits and key split x % splits (splits = 1 for the
// other entry points).
fn flash_block(wid: vec3<u32>, groups: vec3<u32>, t: u32, qr: ptr<function, Row>) -> Block {
  let h = wid.y + wid.z * groups.y;
  let i = (wid.x / params.splits) * BLOCK_Q + t;
  load_q_row(h, i, qr);
  return Block(h, i, i < params.seq_q, 0u);
}

// Keys any row of workgroup wid may see (causal: none past its last row's diagonal). A function of
// the workgroup alone, so `main` may loop to it around barriers (uniform control flow).
fn flash_key_end(wid: vec3<u32>) -> u32 {
  let qb = wid.x / params.splits;
  return causal_key_end(min(qb * BLOCK_Q + BLOCK_Q, params.seq_q) - 1u);
}

// Keys query row i may see: all of them, or with causal those up to its diagonal (key j is past it
// when j > i + seqK − seqQ).
fn causal_key_end(i: u32) -> u32 {
  if (params.causal == 0u) {
    return params.seq_k;
  }
  return u32(clamp(i32(i) + params.causal_offset + 1, 0, i32(params.seq_k)));
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
  let b = flash_block(wid, groups, t, &qr);
  // This workgroup's split of the keys: all of them when splits = 1.
  let split = wid.x % params.splits;
  let k_begin = split * params.split_keys;
  let key_end = min(flash_key_end(wid), select(params.seq_k, k_begin + params.split_keys, params.splits > 1u));
  let tk = tile_k();
  for (var k0 = k_begin; k0 < key_end; k0 += tk) {
    staged_tile(b, k0, min(tk, key_end - k0), t, false, &qr, &acc, &run);
  }
  if (b.has_row) {
    if (params.splits > 1u) {
      write_partial(b, split, &acc, run);
    } else {
      write_row(b, &acc, run);
    }
  }
}

// The split's unnormalised output and its (max, sum), for `merge`.
fn write_partial(b: Block, split: u32, acc: ptr<function, Row>, run: Running) {
  let stride = head_vec4() + 1u;
  let base = ((b.h * params.seq_q + b.i) * params.splits + split) * stride;
  for (var c4 = 0u; c4 < head_vec4(); c4++) {
    part[base + c4] = (*acc)[c4];
  }
  part[base + head_vec4()] = vec4<f32>(run.m, run.l, 0.0, 0.0);
}

// grid: (seqQ, heads folded into y and z); merges a row's splits (weights exp2(m_s − max)), its
// invocations strided over the row's vec4 columns.
@compute @workgroup_size(BLOCK_Q)
fn merge(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
         @builtin(local_invocation_index) t: u32) {
  let h = wid.y + wid.z * groups.y;
  let i = wid.x;
  if (h >= params.heads || i >= params.seq_q) {
    return;
  }
  let hv = head_vec4();
  let stride = hv + 1u;
  let first = (h * params.seq_q + i) * params.splits;
  var m = MASKED;
  for (var s = 0u; s < params.splits; s++) {
    m = max(m, part[(first + s) * stride + hv].x);
  }
  var l = 0.0;
  for (var s = 0u; s < params.splits; s++) {
    let stats = part[(first + s) * stride + hv];
    l += select(exp2(stats.x - m) * stats.y, 0.0, stats.x <= MASKED_BELOW);
  }
  let inv_l = select(0.0, 1.0 / l, l > 0.0);
  let out_base = (h * params.seq_q + i) * params.head_dim;
  for (var c4 = t; c4 < hv; c4 += BLOCK_Q) {
    var acc = vec4<f32>(0.0);
    for (var s = 0u; s < params.splits; s++) {
      let stats = part[(first + s) * stride + hv];
      let w = select(exp2(stats.x - m), 0.0, stats.x <= MASKED_BELOW);
      acc += w * part[(first + s) * stride + c4];
    }
    store_o4(out_base, c4, acc * inv_l);
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
  let b = flash_block(wid, groups, t, &qr);
  if (!b.has_row) {
    return;
  }
  // Each invocation walks its own row's keys: with causal, up to its own diagonal.
  let key_end = causal_key_end(b.i);
  let tk = tile_k();
  for (var k0 = 0u; k0 < key_end; k0 += tk) {
    let n = min(tk, key_end - k0);
    let first_row = kv_base(b.h) + k0;
    var s: Scores;
    scores_direct(first_row, n, &qr, &s);
    mask_tile(b.i, k0, n, &s);
    let correction = softmax_probs(n, &s, &run);
    pv_direct(first_row, n, &s, &acc, correction);
  }
  write_row(b, &acc, run);
}

// ---------------------------------------------------------------------------------------------
// block-sparse

// Masks scores s[0 ..] of keys k0 .. k0 + n - 1 for query row i: they lie in a kept block, so only
// causality is checked per element.
fn mask_causal(i: u32, k0: u32, n: u32, s: ptr<function, Scores>) {
  let end = causal_key_end(i);
  if (k0 + n <= end) {
    return;
  }
  for (var kk = 0u; kk < tile_loop(n); kk++) {
    if (kk < n && k0 + kk >= end) {
      (*s)[kk] = MASKED;
    }
  }
}

fn sparse_block(wid: vec3<u32>, groups: vec3<u32>, t: u32, qr: ptr<function, Row>) -> Block {
  let h = wid.y + wid.z * groups.y;
  let rows = sparse_rows(wid);
  let i = rows.x + t;
  load_q_row(h, i, qr);
  return Block(h, i, i < rows.y, mask_row_of(wid));
}

// The mask row of workgroup wid and the keys its rows may see (functions of the workgroup alone, so
// `sparse_main` may loop on them around barriers).
fn mask_row_of(wid: vec3<u32>) -> u32 {
  return wid.x / params.sub_tiles;
}

fn sparse_key_end(wid: vec3<u32>) -> u32 {
  let rows = sparse_rows(wid);
  return select(params.seq_k, causal_key_end(rows.y - 1u), rows.x < rows.y);
}

// The query rows [x, y) of workgroup wid: its share (tile_rows) of its mask row's block.
fn sparse_rows(wid: vec3<u32>) -> vec2<u32> {
  let bs = params.block_size;
  let rb = mask_row_of(wid);
  let row0 = rb * bs + (wid.x % params.sub_tiles) * params.tile_rows;
  return vec2<u32>(row0, min(min(rb * bs + bs, row0 + params.tile_rows), params.seq_q));
}

// The kept key blocks of a mask row: CSR entries [first, first + count), or every block.
struct Blocks {
  first: u32,
  count: u32,
}

fn blocks_of(mask_row: u32) -> Blocks {
  if (params.has_mask == 0u) {
    return Blocks(0u, params.mask_cols);
  }
  return Blocks(mask_words[mask_row], mask_words[mask_row + 1u] - mask_words[mask_row]);
}

fn block_at(blocks: Blocks, n: u32) -> u32 {
  if (params.has_mask == 0u) {
    return n;
  }
  return mask_words[params.mask_rows + 1u + blocks.first + n];
}

@compute @workgroup_size(BLOCK_Q)
fn sparse_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
               @builtin(local_invocation_index) t: u32) {
  if (wid.y + wid.z * groups.y >= params.heads) {
    return;
  }
  var qr: Row;
  var acc: Row;
  var run = Running(MASKED, 0.0);
  let b = sparse_block(wid, groups, t, &qr);
  let key_end = sparse_key_end(wid);
  let blocks = blocks_of(mask_row_of(wid));
  let tk = tile_k();
  for (var n = 0u; n < blocks.count; n++) {
    let block_start = block_at(blocks, n) * params.block_size;
    if (block_start >= key_end) {
      break; // blocks are ascending: the rest lie past the causal limit
    }
    let block_end = min(block_start + params.block_size, key_end);
    for (var k0 = block_start; k0 < block_end; k0 += tk) {
      staged_tile(b, k0, min(tk, block_end - k0), t, true, &qr, &acc, &run);
    }
  }
  if (b.has_row) {
    write_row(b, &acc, run);
  }
}

// sparse_main_direct: tiles of up to tile_k keys gathered across consecutive kept blocks (a block of 16
// keys would otherwise make 16-key tiles, and a CPU adapter pays per tile). A tile is a walk over
// segments (runs of consecutive keys inside one block), taken once to size the tile and then once
// per 16 head-dimension values for the scores and for P·V, so q and the output stay in registers
// across the segments.
struct Walk {
  n: u32,    // CSR entry
  pos: u32,  // keys of that block already taken
  done: u32, // keys of the tile taken
}

// Keys [x, x + y) still to take from the walker's block (cut at key_end); y = 0 once done.
fn segment(blocks: Blocks, w: Walk, key_end: u32) -> vec2<u32> {
  if (w.n >= blocks.count) {
    return vec2<u32>(0u, 0u);
  }
  let start = block_at(blocks, w.n) * params.block_size;
  let end = min(start + params.block_size, key_end);
  let first = start + w.pos;
  return vec2<u32>(first, select(0u, end - first, first < end));
}

// The next segment of a tile of n keys walked by *w: keys [x, x + y), at offset z of the tile; y = 0
// once the tile's n keys are taken (or the blocks run out). Moves *w past it.
fn next_segment(blocks: Blocks, w: ptr<function, Walk>, n: u32, key_end: u32) -> vec3<u32> {
  let seg = segment(blocks, *w, key_end);
  let at = (*w).done;
  let take = min(seg.y, n - at);
  if (take == seg.y) {
    *w = Walk((*w).n + 1u, 0u, at + take);
  } else {
    *w = Walk((*w).n, (*w).pos + take, at + take);
  }
  return vec3<u32>(seg.x, take, at);
}

// Scores of the tile's n keys (walked from w0) into s. No key is masked: the walk keeps to the
// row's kept blocks and, with causal, stops at its diagonal (key_end).
fn scores_walk(blocks: Blocks, w0: Walk, n: u32, key_end: u32, key_base: u32, qr: ptr<function, Row>,
               s: ptr<function, Scores>) {
  let hv = head_vec4();
  for (var c4 = 0u; c4 < hv; c4 += 4u) {
    let q = row_chunk(qr, c4);
    var w = w0;
    for (var seg = next_segment(blocks, &w, n, key_end); seg.y > 0u; seg = next_segment(blocks, &w, n, key_end)) {
      for (var kk = 0u; kk < seg.y; kk++) {
        let partial = dot16(q, k_chunk(key_base + seg.x + kk, c4));
        (*s)[seg.z + kk] = select((*s)[seg.z + kk], 0.0, c4 == 0u) + partial;
      }
    }
  }
}

// acc = acc · correction + P · V over the tile's n keys (walked from w0).
fn pv_walk(blocks: Blocks, w0: Walk, n: u32, key_end: u32, key_base: u32, s: ptr<function, Scores>,
           acc: ptr<function, Row>, correction: f32) {
  let hv = head_vec4();
  for (var c4 = 0u; c4 < hv; c4 += 4u) {
    var o = scaled(row_chunk(acc, c4), correction);
    var w = w0;
    for (var seg = next_segment(blocks, &w, n, key_end); seg.y > 0u; seg = next_segment(blocks, &w, n, key_end)) {
      for (var kk = 0u; kk < seg.y; kk++) {
        o = fma16((*s)[seg.z + kk], v_chunk(key_base + seg.x + kk, c4), o);
      }
    }
    set_row_chunk(acc, c4, o);
  }
}

@compute @workgroup_size(BLOCK_Q)
fn sparse_main_direct(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
                      @builtin(local_invocation_index) t: u32) {
  if (wid.y + wid.z * groups.y >= params.heads) {
    return;
  }
  // Invocations share nothing here, so a workgroup takes BLOCK_Q consecutive query rows whatever
  // the block size, each walking its own mask row (and, with causal, up to its own diagonal).
  let h = wid.y + wid.z * groups.y;
  let i = wid.x * BLOCK_Q + t;
  if (i >= params.seq_q) {
    return;
  }
  var qr: Row;
  var acc: Row;
  var run = Running(MASKED, 0.0);
  load_q_row(h, i, &qr);
  let b = Block(h, i, true, i / params.block_size);
  let key_end = causal_key_end(i);
  let blocks = blocks_of(b.mask_row);
  let tk = tile_k();
  let key_base = kv_base(b.h);
  var walk = Walk(0u, 0u, 0u);
  loop {
    // The tile: up to tk keys from here on.
    var next = walk;
    loop {
      if (next_segment(blocks, &next, tk, key_end).y == 0u) {
        break;
      }
    }
    let filled = next.done;
    if (filled == 0u) {
      break;
    }
    var s: Scores;
    scores_walk(blocks, walk, filled, key_end, key_base, &qr, &s);
    let correction = softmax_probs(filled, &s, &run);
    pv_walk(blocks, walk, filled, key_end, key_base, &s, &acc, correction);
    walk = Walk(next.n, next.pos, 0u);
  }
  write_row(b, &acc, run);
}
