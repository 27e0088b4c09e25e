// decode attention: split-K (FlashDecoding-style) attention for a few query rows (1–16) over a long
// key sequence. q is (heads, seqQ, headDim); k, v are (kvHeads, seqK, headDim), query head h reading
// KV head h / kv_group (grouped-query attention); o is (heads, seqQ, headDim), all f32. Neighbour:
// `flash` gives each query row an invocation and walks all keys in one workgroup, which leaves a
// GPU idle when seqQ is 1; here the keys are cut into ranges of
// range_keys keys, each producing a partial (max, sum, unnormalised output) per query row, and the
// partials of a row are merged at the end. Dense, or (SPARSE) sparse by visiting only the key
// quads listed in `visit_meta` (built from the mask's CSR by the module): one word per 4 positions,
// so the loops are as flat as the dense ones, whatever the lengths of the runs of kept blocks.
// Three dispatches, as ONNX Runtime's WebGPU decode (one query row on a software adapter with
// subgroups: `range_attention` does scores and values in one pass, then `reduce`). The scores
// pass has two forms:
//   scores_tiled (hardware adapters): one workgroup per (KV head, row group, range). Its invocations
//            load the range's K rows TILE_KEYS at a time into workgroup memory, invocation t taking
//            vec4 t, t + WORKGROUP_SIZE, … of the tile (the rows of a range lie back to back, so
//            neighbouring lanes read neighbouring 16 bytes: the loads coalesce), then score the tile
//            from workgroup memory, one invocation per (query head of the GQA group, quad of keys),
//            ROWS rows each: the kv_group query heads sharing a KV head share that one K load.
//            Then one invocation per (query head, row) sweeps the range's scores it wrote to p:
//            p = exp2(s − max) and the range's (max, sum) into the partial. Workgroup memory:
//            TILE_VEC4 = (TILE_KEYS + 1) · hv vec4, 16 KiB at most, laid out column-major by quad
//            (k_slot): neighbouring invocations, scoring neighbouring quads, read neighbouring
//            vec4, and each column's rows are skewed by one vec4, so that the loads' stores do not
//            all fall on one bank either.
//   scores (software adapters): no workgroup memory (a CPU adapter runs a kernel that touches
//            workgroup memory at all about 1.5× slower: SwiftShader). One invocation per (range,
//            group of ROWS query rows): scores of its keys, 4 at a time against the ROWS rows (K
//            rows read as vec4; each invocation walks its own rows, which suits a CPU thread's cache
//            and would not coalesce on a GPU), written to p; then in a second sweep over its own
//            entries p = exp2(s − max) and the range's (max, sum) into the partial;
//   values:  ceil(hv / LANES) invocations per (range, row group), hv = ceil(headDim / 4), each
//            summing p · V over the range for LANES vec4 output columns, strided so that
//            neighbours read neighbouring vec4 of a V row in every load (LANES = 4 on CPU
//            adapters, where one table entry and one p load then serve 4 columns), into the partial;
//            with one row and LANES = 1 (hardware), HEAD_SHARE query heads of a GQA group per
//            invocation instead, so that one V load serves them all;
//   reduce:  one workgroup per query row merges its partials.
//   range_attention (software adapters with the `subgroups` feature, one query row, headDim a
//            multiple of 4): scores and values in one pass, writing the same partials, so that
//            `reduce` follows unchanged (two dispatches); with one range per row it writes the output
//            itself (one dispatch). One workgroup per (range, head) of WORKGROUP_SIZE invocations,
//            the adapter's one subgroup size. The subgroup holding invocation 0 does the range: its n
//            lanes, ranked 0..n-1, split q's and each K and V row by vec4 columns (lane r: columns
//            r, r + n, …, COLS of them), so that a row's loads are neighbouring vec4 across
//            neighbouring lanes. Per quad of keys each lane dots its columns of the 4 K rows, one
//            subgroupAdd gives every lane the 4 scores, lane r takes exp2 of score r % 4 and
//            subgroupShuffle shares the 4 probabilities, and the online softmax (running max and
//            sum, the accumulator rescaled as the max grows) adds p · V over its columns of the 4 V
//            rows: no scores written, no probabilities read back, q read once per range (a CPU
//            adapter reloading it per quad spent a fifth of its loads on q), and K and V each read
//            once. Memory: q's columns in registers (COLS vec4 per lane, named: no indexed array),
//            K and V from storage, the partial (hv vec4, then (max, sum)) written once per range; no
//            workgroup memory and no barrier (a CPU adapter runs kernels with either much slower).
//            The layout is checked, not assumed: where the workgroup is not one whole subgroup (n
//            lanes other than WORKGROUP_SIZE), the partial is NaN, so the output is NaN and
//            verification fails; the host picks this pass only where the adapter's subgroups have
//            one size, and makes the workgroup that size.
// Scores are in the exp2 domain (log2(e) folded into the scale). The p scratch holds, per (head,
// row group, row), one f32 per visited position (as vec4 per 4 positions).
// With KV_F16, K and V come from k16/v16 (packed f16, see flash-attention.wgsl).
// The functions that call subgroup builtins (range_attention, probabilities) stand between the
// BEGIN and END subgroups lines: on a device without the `subgroups` feature the host compiles this
// module with that section and `enable subgroups;` removed (src/kernels/subgroups.ts).

enable subgroups;

override WORKGROUP_SIZE: u32 = 64u;
override ROWS: u32 = 1u;        // query rows per row group: 1 or 4 (rows past seqQ are computed, not written)
override ALIGNED: bool = true;  // headDim % 4 == 0: rows load as whole vec4, no clamping
override KV_F16: bool = false;
override SPARSE: bool = false;  // positions come from the quad table in visit_meta (else position = key)
override LANES: u32 = 1u;       // values pass: vec4 output columns per invocation, 1, 2 or 4 (1 when ROWS > 1)
override TILE_KEYS: u32 = 16u;  // scores_tiled: key positions per tile, a multiple of 4
override TILE_VEC4: u32 = 8u;   // scores_tiled: the tile's vec4, (TILE_KEYS + 1) · hv (sizes workgroup memory)
override HEAD_SHARE: u32 = 1u;  // values pass, one row, LANES = 1: GQA heads sharing each V load, 1/2/4
override COLS: u32 = 4u;        // range_attention: vec4 columns per lane, ceil(hv / WORKGROUP_SIZE), 1..4
override EVEN: bool = true;     // range_attention: hv == COLS · WORKGROUP_SIZE, no column past the row

const MAX_ROWS: u32 = 4u;
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
  hv: u32,              // vec4 lanes of a row: ceil(headDim / 4)
  row_groups: u32,      // ceil(seqQ / ROWS)
  ranges: u32,          // ranges per (head, row group)
  range_keys: u32,      // positions per range, a multiple of 4
  visit_positions: u32, // 4 · quads holding keys (dense: seqK rounded up to a multiple of 4)
  layout_offset: u32,   // 0, or where the mask layout starts in visit_meta (rows span several mask rows)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
// SPARSE: per quad of positions (ranges · range_keys / 4 words) its first key · 4 + (keys in it − 1),
// seq_k · 4 for quads holding none; then the mask layout when needed. Dense: [0].
@group(0) @binding(4) var<storage, read> visit_meta: array<u32>;
// Partials: per (head, query row, range) hv vec4 of output, then one vec4 (max, sum, 0, 0).
@group(0) @binding(5) var<storage, read_write> part: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> k16: array<vec2<u32>>;
@group(0) @binding(7) var<storage, read> v16: array<vec2<u32>>;
@group(0) @binding(8) var<storage, read_write> o: array<f32>;
// Scores, then probabilities: per (head, row group, row) one vec4 per 4 positions.
@group(0) @binding(9) var<storage, read_write> p: array<vec4<f32>>;
// q, k and v again as vec4 rows, read when ALIGNED (one load and one bounds check per vec4).
@group(0) @binding(10) var<storage, read> q4: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read> k4: array<vec4<f32>>;
@group(0) @binding(12) var<storage, read> v4: array<vec4<f32>>;

fn row_mask(c4: u32) -> vec4<bool> {
  return vec4<u32>(4u * c4) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(params.head_dim);
}

// Element indices of values 4·c4 .. 4·c4 + 3 of the row of q, k or v at row_base, clamped into the
// row (row_mask zeroes those past headDim).
fn row_elements(row_base: u32, c4: u32) -> vec4<u32> {
  let first = vec4<u32>(row_base + 4u * c4) + vec4<u32>(0u, 1u, 2u, 3u);
  return min(first, vec4<u32>(row_base + params.head_dim - 1u));
}

// Vec4 i of K or V (i = row · hv + column), rows whole: ALIGNED or KV_F16.
fn k_at(i: u32) -> vec4<f32> {
  if (KV_F16) { return widen(k16[i]); }
  return k4[i];
}

fn v_at(i: u32) -> vec4<f32> {
  if (KV_F16) { return widen(v16[i]); }
  return v4[i];
}

fn widen(w: vec2<u32>) -> vec4<f32> {
  return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
}

// Values 4·c4 .. 4·c4 + 3 of a row of q, k or v: whole when ALIGNED (or from packed f16 pairs with
// KV_F16), else clamped into the row and zeroed past headDim.
fn load_q4(row_base: u32, c4: u32) -> vec4<f32> {
  if (ALIGNED) { return q4[(row_base + 4u * c4) / 4u]; }
  let e = row_elements(row_base, c4);
  return select(vec4<f32>(0.0), vec4<f32>(q[e.x], q[e.y], q[e.z], q[e.w]), row_mask(c4));
}

fn load_k4(key_row: u32, c4: u32) -> vec4<f32> {
  if (KV_F16 || ALIGNED) { return k_at(key_row * params.hv + c4); }
  let e = row_elements(key_row * params.head_dim, c4);
  return select(vec4<f32>(0.0), vec4<f32>(k[e.x], k[e.y], k[e.z], k[e.w]), row_mask(c4));
}

fn load_v4(key_row: u32, c4: u32) -> vec4<f32> {
  if (KV_F16 || ALIGNED) { return v_at(key_row * params.hv + c4); }
  let e = row_elements(key_row * params.head_dim, c4);
  return select(vec4<f32>(0.0), vec4<f32>(v[e.x], v[e.y], v[e.z], v[e.w]), row_mask(c4));
}

// The keys of quad `quad` of positions, seq_k where a position holds none. Dense: position = key.
// One table word per 4 keys: no division, no branch and no walk over runs in the inner loops (CPU
// adapters pay dearly for those).
fn quad_keys(quad: u32) -> vec4<u32> {
  let e = vec4<u32>(0u, 1u, 2u, 3u);
  if (SPARSE) {
    let t = visit_meta[quad];
    let keys = min(vec4<u32>(t >> 2u) + e, vec4<u32>(params.seq_k));
    return select(vec4<u32>(params.seq_k), keys, e <= vec4<u32>(t & 3u));
  }
  return vec4<u32>(4u * quad) + e;
}

// The key rows (unchecked: clamped into the head's rows) of quad `quad` of positions.
fn quad_rows(quad: u32, key_base: u32) -> vec4<u32> {
  var first = 4u * quad;
  if (SPARSE) {
    first = visit_meta[quad] >> 2u;
  }
  return min(vec4<u32>(key_base + first) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(key_base + params.seq_k - 1u));
}

// Which of 4 keys query row i may see: a key at all, causality, and (rows spanning several mask
// rows) the layout.
fn allowed4(i: u32, j: vec4<u32>) -> vec4<bool> {
  var ok = j < vec4<u32>(params.seq_k);
  if (params.causal != 0u) {
    ok = ok & (vec4<i32>(j) <= vec4<i32>(i32(i) + params.causal_offset));
  }
  if (params.layout_offset != 0u) {
    // Rows past seq_q (padding the last group of ROWS) read the last mask row: they are never written.
    let row = params.layout_offset + (min(i, params.seq_q - 1u) / params.block_size) * params.mask_cols;
    let jc = min(j, vec4<u32>(params.seq_k - 1u)) / params.block_size;
    let kept = vec4<u32>(visit_meta[row + jc.x], visit_meta[row + jc.y], visit_meta[row + jc.z], visit_meta[row + jc.w]);
    ok = ok & (kept != vec4<u32>(0u));
  }
  return ok;
}

// Scores of 4 keys for query row r of this workgroup, masked, in the exp2 domain.
fn quad_scores(s: vec4<f32>, i: u32, j: vec4<u32>) -> vec4<f32> {
  return select(vec4<f32>(MASKED), s * (params.scale * LOG2E), allowed4(i, j));
}

fn q_base(h: u32, i: u32) -> u32 {
  return (h * params.seq_q + min(i, params.seq_q - 1u)) * params.head_dim;
}

// The first partial of query row i of head h (ranges partials follow, hv + 1 vec4 each).
fn part_row(h: u32, i: u32) -> u32 {
  return (h * params.seq_q + i) * params.ranges;
}

// Where row r of row group rg of head h keeps its probabilities (vec4 index of position 0).
fn p_row(h: u32, rg: u32, r: u32) -> u32 {
  return ((h * params.row_groups + rg) * ROWS + r) * (params.ranges * params.range_keys / 4u);
}

// grid: (ceil(row_groups · ranges / WORKGROUP_SIZE), heads folded into y and z).
@compute @workgroup_size(WORKGROUP_SIZE)
fn scores(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let h = gid.y + gid.z * groups.y;
  if (h >= params.heads || gid.x >= params.row_groups * params.ranges) {
    return;
  }
  let rg = gid.x / params.ranges;
  let range = gid.x % params.ranges;
  let row0 = rg * ROWS;
  let key_base = (h / params.kv_group) * params.seq_k;
  let qb0 = q_base(h, row0);
  let qb1 = q_base(h, row0 + 1u);
  let qb2 = q_base(h, row0 + 2u);
  let qb3 = q_base(h, row0 + 3u);
  let pr0 = p_row(h, rg, 0u);
  let quads = params.range_keys / 4u;
  let quad0 = range * quads;

  // Rows are unrolled by hand (ROWS is 1 or 4): loops and arrays indexed by row cost CPU adapters a
  // third of the kernel's time.
  var m = vec4<f32>(MASKED);
  for (var n = 0u; n < quads; n++) {
    let quad = quad0 + n;
    let j = quad_keys(quad);
    let kr = key_base + min(j, vec4<u32>(params.seq_k - 1u));
    var s0 = vec4<f32>(0.0);
    var s1 = vec4<f32>(0.0);
    var s2 = vec4<f32>(0.0);
    var s3 = vec4<f32>(0.0);
    for (var c4 = 0u; c4 < params.hv; c4++) {
      // Column i: vec4 c4 of key i of the quad; q · kq is the 4 keys' dot products with q.
      let kq = mat4x4<f32>(load_k4(kr.x, c4), load_k4(kr.y, c4), load_k4(kr.z, c4), load_k4(kr.w, c4));
      s0 += load_q4(qb0, c4) * kq;
      if (ROWS > 1u) {
        s1 += load_q4(qb1, c4) * kq;
        s2 += load_q4(qb2, c4) * kq;
        s3 += load_q4(qb3, c4) * kq;
      }
    }
    s0 = quad_scores(s0, row0, j);
    m.x = max(m.x, max(max(s0.x, s0.y), max(s0.z, s0.w)));
    p[pr0 + quad] = s0;
    if (ROWS > 1u) {
      let rows = params.ranges * quads;
      s1 = quad_scores(s1, row0 + 1u, j);
      s2 = quad_scores(s2, row0 + 2u, j);
      s3 = quad_scores(s3, row0 + 3u, j);
      m.y = max(m.y, max(max(s1.x, s1.y), max(s1.z, s1.w)));
      m.z = max(m.z, max(max(s2.x, s2.y), max(s2.z, s2.w)));
      m.w = max(m.w, max(max(s3.x, s3.y), max(s3.z, s3.w)));
      p[pr0 + rows + quad] = s1;
      p[pr0 + 2u * rows + quad] = s2;
      p[pr0 + 3u * rows + quad] = s3;
    }
  }

  // Second sweep over this invocation's own entries: probabilities and their sum per row.
  let row_stride = params.ranges * quads;
  for (var r = 0u; r < ROWS; r++) {
    let i = row0 + r;
    if (i >= params.seq_q) {
      break;
    }
    let mr = m[r];
    var sum = 0.0;
    for (var n = 0u; n < quads; n++) {
      let slot = pr0 + r * row_stride + quad0 + n;
      let s = p[slot];
      let pr = select(exp2(s - vec4<f32>(mr)), vec4<f32>(0.0), s <= vec4<f32>(MASKED_BELOW));
      p[slot] = pr;
      sum += pr.x + pr.y + pr.z + pr.w;
    }
    part[(part_row(h, i) + range) * (params.hv + 1u) + params.hv] = vec4<f32>(mr, sum, 0.0, 0.0);
  }
}

// The range's K rows, TILE_KEYS positions at a time (scores_tiled only), at k_slot.
var<workgroup> k_tile: array<vec4<f32>, TILE_VEC4>;

// Where vec4 column c4 of key e (0..3) of quad n of the tile lives: quads side by side per (c4, e),
// skewed by c4.
fn k_slot(n: u32, e: u32, c4: u32) -> u32 {
  return (4u * c4 + e) * (TILE_KEYS / 4u) + n + c4;
}

// Sweeps the scores of row i (row r of row group rg) of head h over one range: p = exp2(s − max),
// and the range's (max, sum) into its partial.
fn normalise_range(h: u32, rg: u32, r: u32, range: u32) {
  let quads = params.range_keys / 4u;
  let first = p_row(h, rg, r) + range * quads;
  var m = MASKED;
  for (var n = 0u; n < quads; n++) {
    let s = p[first + n];
    m = max(m, max(max(s.x, s.y), max(s.z, s.w)));
  }
  var sum = 0.0;
  for (var n = 0u; n < quads; n++) {
    let s = p[first + n];
    let pr = select(exp2(s - vec4<f32>(m)), vec4<f32>(0.0), s <= vec4<f32>(MASKED_BELOW));
    p[first + n] = pr;
    sum += pr.x + pr.y + pr.z + pr.w;
  }
  part[(part_row(h, rg * ROWS + r) + range) * (params.hv + 1u) + params.hv] = vec4<f32>(m, sum, 0.0, 0.0);
}

// grid: (row_groups · ranges, KV heads folded into y and z); see the header.
@compute @workgroup_size(WORKGROUP_SIZE)
fn scores_tiled(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
  @builtin(num_workgroups) groups: vec3<u32>,
) {
  let kh = wid.y + wid.z * groups.y;
  let group = params.kv_group;
  if (kh * group >= params.heads || wid.x >= params.row_groups * params.ranges) {
    return;
  }
  let rg = wid.x / params.ranges;
  let range = wid.x % params.ranges;
  let row0 = rg * ROWS;
  let hv = params.hv;
  let key_base = kh * params.seq_k;
  let quad0 = range * (params.range_keys / 4u);
  let rows = params.ranges * (params.range_keys / 4u);

  for (var t0 = 0u; t0 < params.range_keys; t0 += TILE_KEYS) {
    let tile_quads = min(TILE_KEYS, params.range_keys - t0) / 4u;
    // Cooperative load: vec4 `e` of the tile is vec4 e % hv of its position e / hv.
    workgroupBarrier();
    for (var e = lid; e < 4u * tile_quads * hv; e += WORKGROUP_SIZE) {
      let at = e / hv;
      let j = quad_keys(quad0 + t0 / 4u + at / 4u)[at % 4u];
      k_tile[k_slot(at / 4u, at % 4u, e % hv)] = load_k4(key_base + min(j, params.seq_k - 1u), e % hv);
    }
    workgroupBarrier();
    // Scores: one item per (query head of the group, quad of the tile), all ROWS rows.
    for (var item = lid; item < group * tile_quads; item += WORKGROUP_SIZE) {
      let h = kh * group + item / tile_quads;
      let n = item % tile_quads;
      let quad = quad0 + t0 / 4u + n;
      let j = quad_keys(quad);
      let qb0 = q_base(h, row0);
      let qb1 = q_base(h, row0 + 1u);
      let qb2 = q_base(h, row0 + 2u);
      let qb3 = q_base(h, row0 + 3u);
      var s0 = vec4<f32>(0.0);
      var s1 = vec4<f32>(0.0);
      var s2 = vec4<f32>(0.0);
      var s3 = vec4<f32>(0.0);
      for (var c4 = 0u; c4 < hv; c4++) {
        let kq = mat4x4<f32>(k_tile[k_slot(n, 0u, c4)], k_tile[k_slot(n, 1u, c4)], k_tile[k_slot(n, 2u, c4)],
                             k_tile[k_slot(n, 3u, c4)]);
        s0 += load_q4(qb0, c4) * kq;
        if (ROWS > 1u) {
          s1 += load_q4(qb1, c4) * kq;
          s2 += load_q4(qb2, c4) * kq;
          s3 += load_q4(qb3, c4) * kq;
        }
      }
      let pr0 = p_row(h, rg, 0u);
      p[pr0 + quad] = quad_scores(s0, row0, j);
      if (ROWS > 1u) {
        p[pr0 + rows + quad] = quad_scores(s1, row0 + 1u, j);
        p[pr0 + 2u * rows + quad] = quad_scores(s2, row0 + 2u, j);
        p[pr0 + 3u * rows + quad] = quad_scores(s3, row0 + 3u, j);
      }
    }
  }
  // The range's scores, written by every invocation, are read back by one per (head, row).
  storageBarrier();
  for (var pair = lid; pair < group * ROWS; pair += WORKGROUP_SIZE) {
    let r = pair % ROWS;
    if (row0 + r < params.seq_q) {
      normalise_range(kh * group + pair / ROWS, rg, r, range);
    }
  }
}

// grid: (ceil(row_groups · ranges · ceil(hv / LANES) / WORKGROUP_SIZE), heads / HEAD_SHARE folded
// into y and z). With HEAD_SHARE > 1 (one row, LANES = 1, HEAD_SHARE dividing kv_group) an invocation
// sums p · V for HEAD_SHARE query heads of one GQA group, h … h + HEAD_SHARE - 1: one V load serves
// them all, where each head would otherwise load the same V rows itself.
@compute @workgroup_size(WORKGROUP_SIZE)
fn values(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let h = (gid.y + gid.z * groups.y) * HEAD_SHARE;
  let hv = params.hv;
  let lanes = (hv + LANES - 1u) / LANES;
  let group = gid.x / lanes;
  if (h >= params.heads || group >= params.row_groups * params.ranges) {
    return;
  }
  // Output columns c0..c3: lane, lane + lanes, … (vec4 columns; neighbouring invocations read
  // neighbouring vec4 of a V row in each load). Those past LANES or hv are clamped, computed, not
  // written.
  let lane = gid.x % lanes;
  let c0 = lane;
  let c1 = min(lane + lanes, hv - 1u);
  let c2 = min(lane + 2u * lanes, hv - 1u);
  let c3 = min(lane + 3u * lanes, hv - 1u);
  let rg = group / params.ranges;
  let range = group % params.ranges;
  let row0 = rg * ROWS;
  let key_base = (h / params.kv_group) * params.seq_k;
  let quads = params.range_keys / 4u;
  let quad0 = range * quads;
  let row_stride = params.ranges * quads;
  let pr0 = p_row(h, rg, 0u) + quad0;
  // HEAD_SHARE > 1: the other heads' probabilities of the same row (clamped in bounds when unused).
  let pr1 = p_row(min(h + 1u, params.heads - 1u), rg, 0u) + quad0;
  let pr2 = p_row(min(h + 2u, params.heads - 1u), rg, 0u) + quad0;
  let pr3 = p_row(min(h + 3u, params.heads - 1u), rg, 0u) + quad0;
  // Positions past the last visited one hold no key.
  let first_u = 4u * quad0;
  var quad_end = 0u;
  if (params.visit_positions > first_u) {
    quad_end = min(quads, (params.visit_positions - first_u + 3u) / 4u);
  }

  // ROWS = 4: acc_r is row r's column c0. ROWS = 1: acc_l is column c_l, so that one table entry,
  // one p load and the loop's own work serve LANES columns; or (HEAD_SHARE > 1) acc_j is head h + j's
  // column c0, so that one V load serves HEAD_SHARE heads.
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  // Keys without a position have p = 0: only their rows need clamping into bounds.
  for (var n = 0u; n < quad_end; n++) {
    let kr = quad_rows(quad0 + n, key_base);
    let p0 = p[pr0 + n];
    let v0 = load_v4(kr.x, c0);
    let v1 = load_v4(kr.y, c0);
    let v2 = load_v4(kr.z, c0);
    let v3 = load_v4(kr.w, c0);
    acc0 += p0.x * v0 + p0.y * v1 + p0.z * v2 + p0.w * v3;
    if (ROWS > 1u) {
      let p1 = p[pr0 + row_stride + n];
      let p2 = p[pr0 + 2u * row_stride + n];
      let p3 = p[pr0 + 3u * row_stride + n];
      acc1 += p1.x * v0 + p1.y * v1 + p1.z * v2 + p1.w * v3;
      acc2 += p2.x * v0 + p2.y * v1 + p2.z * v2 + p2.w * v3;
      acc3 += p3.x * v0 + p3.y * v1 + p3.z * v2 + p3.w * v3;
    } else if (HEAD_SHARE > 1u) {
      let p1 = p[pr1 + n];
      acc1 += p1.x * v0 + p1.y * v1 + p1.z * v2 + p1.w * v3;
      if (HEAD_SHARE > 2u) {
        let p2 = p[pr2 + n];
        let p3 = p[pr3 + n];
        acc2 += p2.x * v0 + p2.y * v1 + p2.z * v2 + p2.w * v3;
        acc3 += p3.x * v0 + p3.y * v1 + p3.z * v2 + p3.w * v3;
      }
    } else {
      if (LANES > 1u) {
        acc1 += p0.x * load_v4(kr.x, c1) + p0.y * load_v4(kr.y, c1) + p0.z * load_v4(kr.z, c1) + p0.w * load_v4(kr.w, c1);
      }
      if (LANES > 2u) {
        acc2 += p0.x * load_v4(kr.x, c2) + p0.y * load_v4(kr.y, c2) + p0.z * load_v4(kr.z, c2) + p0.w * load_v4(kr.w, c2);
        acc3 += p0.x * load_v4(kr.x, c3) + p0.y * load_v4(kr.y, c3) + p0.z * load_v4(kr.z, c3) + p0.w * load_v4(kr.w, c3);
      }
    }
  }
  let accs = array<vec4<f32>, MAX_ROWS>(acc0, acc1, acc2, acc3);
  if (ROWS > 1u) {
    for (var r = 0u; r < ROWS; r++) {
      let i = row0 + r;
      if (i >= params.seq_q) {
        break;
      }
      part[(part_row(h, i) + range) * (hv + 1u) + lane] = accs[r];
    }
  } else if (HEAD_SHARE > 1u) {
    for (var j = 0u; j < HEAD_SHARE; j++) {
      part[(part_row(h + j, row0) + range) * (hv + 1u) + lane] = accs[j];
    }
  } else {
    for (var l = 0u; l < LANES && lane + l * lanes < hv; l++) {
      part[(part_row(h, row0) + range) * (hv + 1u) + lane + l * lanes] = accs[l];
    }
  }
}

// grid: (seqQ, heads folded into y and z); invocation `lane` < hv merges columns 4·lane..+3.
@compute @workgroup_size(WORKGROUP_SIZE)
fn reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
          @builtin(local_invocation_index) lane: u32) {
  let h = wid.y + wid.z * groups.y;
  let i = wid.x;
  let hv = params.hv;
  if (h >= params.heads || lane >= hv) {
    return;
  }
  let first = part_row(h, i);
  var m = MASKED;
  for (var s = 0u; s < params.ranges; s++) {
    m = max(m, part[(first + s) * (hv + 1u) + hv].x);
  }
  var acc = vec4<f32>(0.0);
  var l = 0.0;
  if (m > MASKED_BELOW) {
    for (var s = 0u; s < params.ranges; s++) {
      let base = (first + s) * (hv + 1u);
      let stats = part[base + hv];
      let w = exp2(stats.x - m);
      l += w * stats.y;
      acc += w * part[base + lane];
    }
  }
  let out = select(vec4<f32>(0.0), acc / l, l > 0.0);
  let out_base = (h * params.seq_q + i) * params.head_dim + 4u * lane;
  for (var e = 0u; e < 4u; e++) {
    if (4u * lane + e < params.head_dim) {
      o[out_base + e] = out[e];
    }
  }
}

// range_attention's helpers (no subgroup builtins).
// Partial dots of q's column c (qc) with the 4 rows starting at vec4 ia.
fn kdot(qc: vec4<f32>, ia: vec4<u32>, c: u32) -> vec4<f32> {
  return vec4<f32>(dot(qc, k_at(ia.x + c)), dot(qc, k_at(ia.y + c)), dot(qc, k_at(ia.z + c)), dot(qc, k_at(ia.w + c)));
}

// Column c of p · V over the 4 rows starting at vec4 ia.
fn pv(p: vec4<f32>, ia: vec4<u32>, c: u32) -> vec4<f32> {
  return p.x * v_at(ia.x + c) + p.y * v_at(ia.y + c) + p.z * v_at(ia.z + c) + p.w * v_at(ia.w + c);
}

// Column i of this lane: columns past the row (only when !EVEN) read column hv - 1 and are not used.
fn column(r: u32, n: u32, i: u32) -> u32 {
  return min(r + i * n, params.hv - 1u);
}

fn in_row(r: u32, n: u32, i: u32) -> bool {
  return EVEN || r + i * n < params.hv;
}

// Output columns 4·c .. 4·c + 3 of the row at ob (headDim is a multiple of 4 on this pass).
fn write_column(ob: u32, c: u32, x: vec4<f32>) {
  o[ob + 4u * c] = x.x;
  o[ob + 4u * c + 1u] = x.y;
  o[ob + 4u * c + 2u] = x.z;
  o[ob + 4u * c + 3u] = x.w;
}

// BEGIN subgroups
// exp2(s - m) of a quad's 4 scores, 0 where masked. With 4 lanes or more, lane r takes key r % 4
// and subgroupShuffle hands the 4 values to every lane: one exp2 per lane instead of four (a CPU
// adapter calls its math library per lane and component: with four per lane, exp2 was a fifth of
// the pass's time on SwiftShader). Called where range_attention's control flow is uniform within
// the subgroup only (see there).
@diagnostic(off, subgroup_uniformity)
fn probabilities(s: vec4<f32>, m: f32, r: u32) -> vec4<f32> {
  if (WORKGROUP_SIZE < 4u) {
    return select(exp2(s - vec4<f32>(m)), vec4<f32>(0.0), s <= vec4<f32>(MASKED_BELOW));
  }
  let k = r % 4u;
  let mine = select(select(select(s.w, s.z, k == 2u), s.y, k == 1u), s.x, k == 0u);
  let e = select(exp2(mine - m), 0.0, mine <= MASKED_BELOW);
  return vec4<f32>(subgroupShuffle(e, 0u), subgroupShuffle(e, 1u), subgroupShuffle(e, 2u), subgroupShuffle(e, 3u));
}

// grid: (ranges, heads folded into y and z); see the header. Early returns depend on the
// subgroup's own values (subgroupAny), uniform within the subgroup, not across the workgroup.
@diagnostic(off, subgroup_uniformity)
@compute @workgroup_size(WORKGROUP_SIZE)
fn range_attention(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let h = wid.y + wid.z * groups.y;
  let range = wid.x;
  if (h >= params.heads || range >= params.ranges || !subgroupAny(lid == 0u)) {
    return;
  }
  let n = subgroupAdd(1u);
  let r = subgroupExclusiveAdd(1u);
  let hv = params.hv;
  let c0 = column(r, n, 0u);
  let c1 = column(r, n, 1u);
  let c2 = column(r, n, 2u);
  let c3 = column(r, n, 3u);
  let qb = h * params.seq_q * hv;
  let q0 = q4[qb + c0];
  let q1 = q4[qb + c1];
  let q2 = q4[qb + c2];
  let q3 = q4[qb + c3];
  let key_base = (h / params.kv_group) * params.seq_k;
  let last = key_base + params.seq_k - 1u;
  let quads = params.range_keys / 4u;
  let quad0 = range * quads;
  // Positions past the last visited one hold no key.
  var quad_end = 0u;
  if (params.visit_positions > 4u * quad0) {
    quad_end = min(quads, (params.visit_positions - 4u * quad0 + 3u) / 4u);
  }
  let scale = params.scale * LOG2E;

  var m = MASKED;
  var l = 0.0;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  for (var t = 0u; t < quad_end; t++) {
    let j = quad_keys(quad0 + t);
    let ia = min(vec4<u32>(key_base) + j, vec4<u32>(last)) * hv;
    var s = vec4<f32>(0.0);
    if (in_row(r, n, 0u)) {
      s += kdot(q0, ia, c0);
    }
    if (COLS > 1u && in_row(r, n, 1u)) {
      s += kdot(q1, ia, c1);
    }
    if (COLS > 2u && in_row(r, n, 2u)) {
      s += kdot(q2, ia, c2);
    }
    if (COLS > 3u && in_row(r, n, 3u)) {
      s += kdot(q3, ia, c3);
    }
    var ok = j < vec4<u32>(params.seq_k);
    if (params.causal != 0u) {
      ok = ok & (vec4<i32>(j) <= vec4<i32>(params.causal_offset));
    }
    s = select(vec4<f32>(MASKED), subgroupAdd(s) * scale, ok);
    let m_new = max(m, max(max(s.x, s.y), max(s.z, s.w)));
    // The max grows on few quads; the branch is uniform within the subgroup.
    var alpha = 1.0;
    if (m_new > m) {
      alpha = exp2(m - m_new);
    }
    let p = probabilities(s, m_new, r);
    l = l * alpha + (p.x + p.y + p.z + p.w);
    m = m_new;
    a0 = a0 * alpha + pv(p, ia, c0);
    if (COLS > 1u) {
      a1 = a1 * alpha + pv(p, ia, c1);
    }
    if (COLS > 2u) {
      a2 = a2 * alpha + pv(p, ia, c2);
    }
    if (COLS > 3u) {
      a3 = a3 * alpha + pv(p, ia, c3);
    }
  }
  // A layout other than one whole subgroup leaves columns unsummed: make the output NaN.
  let bad = select(0.0, bitcast<f32>(0x7fc00000u | (n & 0u)), n != WORKGROUP_SIZE);
  if (params.ranges == 1u) {
    // One range per row: this is the output (as reduce would merge it: 0 where nothing is seen).
    let inv = select(0.0, 1.0 / l, l > 0.0);
    let ob = h * params.seq_q * params.head_dim;
    if (in_row(r, n, 0u)) {
      write_column(ob, c0, a0 * inv + bad);
    }
    if (COLS > 1u && in_row(r, n, 1u)) {
      write_column(ob, c1, a1 * inv + bad);
    }
    if (COLS > 2u && in_row(r, n, 2u)) {
      write_column(ob, c2, a2 * inv + bad);
    }
    if (COLS > 3u && in_row(r, n, 3u)) {
      write_column(ob, c3, a3 * inv + bad);
    }
    return;
  }
  let base = (h * params.seq_q * params.ranges + range) * (hv + 1u);
  if (in_row(r, n, 0u)) {
    part[base + c0] = a0 + bad;
  }
  if (COLS > 1u && in_row(r, n, 1u)) {
    part[base + c1] = a1 + bad;
  }
  if (COLS > 2u && in_row(r, n, 2u)) {
    part[base + c2] = a2 + bad;
  }
  if (COLS > 3u && in_row(r, n, 3u)) {
    part[base + c3] = a3 + bad;
  }
  if (r == 0u) {
    part[base + hv] = vec4<f32>(m, l, 0.0, 0.0);
  }
}
// END subgroups
