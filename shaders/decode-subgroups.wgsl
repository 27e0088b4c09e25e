// decode-subgroups: decode attention's scores and values passes in one (software adapters with the
// `subgroups` feature, one query row). The split into key ranges, the visit table of sparse decode,
// the partials and the reduce pass that merges them are decode-attention.wgsl's; this pass writes the
// same partials, so its `reduce` follows unchanged (two dispatches instead of three); with one range
// per row it writes the output itself (one dispatch).
//
// Work → invocations: one workgroup per (key range, head) (grid: (ranges, heads folded into y and
// z)), of WORKGROUP_SIZE invocations, the adapter's one subgroup size. The subgroup holding
// invocation 0 does the range: its n lanes, ranked 0..n-1, split q's and each K and V row by vec4
// columns (lane r: columns r, r + n, … , COLS of them), so that a row's loads are neighbouring
// vec4 across neighbouring lanes. Per quad of keys each lane dots its columns of the 4 K rows, one
// subgroupAdd gives every lane the 4 scores, lane r takes exp2 of score r % 4 and subgroupShuffle
// shares the 4 probabilities, and the online softmax (running max and sum, the
// accumulator rescaled as the max grows) adds p · V over its columns of the 4 V rows: no scores
// written, no probabilities read back, q read once per range (a CPU adapter reloading it per quad
// spent a fifth of its loads on q), and K and V each read once.
// Memory: q's columns in registers (COLS vec4 per lane, named: no indexed array), K and V from
// storage, the partial (hv vec4, then (max, sum)) written once per range. No workgroup memory and
// no barrier (a CPU adapter runs kernels with either much slower).
// The layout is checked, not assumed: where the workgroup is not one whole subgroup (n lanes other
// than WORKGROUP_SIZE), the partial is NaN, so the output is NaN and verification fails; the host
// picks this pass only where the adapter's subgroups have one size, and makes the workgroup that size.

enable subgroups;
// Early returns depend on the subgroup's own values (subgroupAny), uniform within the subgroup.
diagnostic(off, subgroup_uniformity);

override WORKGROUP_SIZE: u32 = 4u;
override COLS: u32 = 4u;        // vec4 columns per lane: ceil(hv / WORKGROUP_SIZE), 1..4
override EVEN: bool = true;     // hv == COLS · WORKGROUP_SIZE: no column past the row
override KV_F16: bool = false;
override SPARSE: bool = false;  // positions come from the quad table in visit_meta (else position = key)

const MASKED: f32 = -3.0e38;
const MASKED_BELOW: f32 = -1.0e38;
const LOG2E: f32 = 1.4426950408889634;

// decode-attention.wgsl's Params.
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
  causal_offset: i32,
  kv_group: u32,
  hv: u32,
  row_groups: u32,
  ranges: u32,
  range_keys: u32,
  visit_positions: u32,
  layout_offset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(4) var<storage, read> visit_meta: array<u32>;
@group(0) @binding(5) var<storage, read_write> part: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> k16: array<vec2<u32>>;
@group(0) @binding(7) var<storage, read> v16: array<vec2<u32>>;
@group(0) @binding(8) var<storage, read_write> o: array<f32>;
@group(0) @binding(10) var<storage, read> q4: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read> k4: array<vec4<f32>>;
@group(0) @binding(12) var<storage, read> v4: array<vec4<f32>>;

// Vec4 i of K or V (i = row · hv + column).
fn k_at(i: u32) -> vec4<f32> {
  if (KV_F16) {
    let w = k16[i];
    return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
  }
  return k4[i];
}

fn v_at(i: u32) -> vec4<f32> {
  if (KV_F16) {
    let w = v16[i];
    return vec4<f32>(unpack2x16float(w.x), unpack2x16float(w.y));
  }
  return v4[i];
}

// The keys of quad `quad` of positions, seq_k where a position holds none (decode-attention.wgsl).
fn quad_keys(quad: u32) -> vec4<u32> {
  let e = vec4<u32>(0u, 1u, 2u, 3u);
  if (SPARSE) {
    let t = visit_meta[quad];
    let keys = min(vec4<u32>(t >> 2u) + e, vec4<u32>(params.seq_k));
    return select(vec4<u32>(params.seq_k), keys, e <= vec4<u32>(t & 3u));
  }
  return vec4<u32>(4u * quad) + e;
}

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

// exp2(s - m) of a quad's 4 scores, 0 where masked. With 4 lanes or more, lane r takes key r % 4
// and subgroupShuffle hands the 4 values to every lane: one exp2 per lane instead of four (a CPU
// adapter calls its math library per lane and component: with four per lane, exp2 was a fifth of
// the pass's time on SwiftShader).
fn probabilities(s: vec4<f32>, m: f32, r: u32) -> vec4<f32> {
  if (WORKGROUP_SIZE < 4u) {
    return select(exp2(s - vec4<f32>(m)), vec4<f32>(0.0), s <= vec4<f32>(MASKED_BELOW));
  }
  let k = r % 4u;
  let mine = select(select(select(s.w, s.z, k == 2u), s.y, k == 1u), s.x, k == 0u);
  let e = select(exp2(mine - m), 0.0, mine <= MASKED_BELOW);
  return vec4<f32>(subgroupShuffle(e, 0u), subgroupShuffle(e, 1u), subgroupShuffle(e, 2u), subgroupShuffle(e, 3u));
}

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
