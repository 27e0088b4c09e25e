// matmul: c = act(a · b + bias), a is (m, k), b is (k, n), bias is (n), c is (m, n); row-major f32.
// Two kernels on the same Params, bindings and epilogue:
//   naive (entry point naive): one invocation per output element, every operand read from global
//     memory; a WG_X × WG_Y workgroup covers as many outputs. The baseline the tiled kernel is
//     measured against.
//   tiled (main_vec4, main_scalar): workgroup tiles and register blocking, below.
// Tiled: each invocation accumulates an 8 × 4 block of c in registers (8 × 8 with WIDE),
// one vec4 accumulator per row and column group, so every vec4 of b feeds 8 rows and every vec4 of a
// feeds 4 (or 8) columns. An invocation (lx, ly) owns rows ly·8 … ly·8+7 of its workgroup's tile and
// the 4 columns of vec4 column lx (plus those of vec4 column lx + WG_X with WIDE: adjacent invocations
// read adjacent vec4s). A workgroup of WG_X × WG_Y invocations covers a TILE_M × TILE_N tile of c.
// Two ways to feed the registers, chosen by STAGED:
//   STAGED = true:  per step of TILE_K, the workgroup stages a TILE_M × TILE_K slab of a and a
//                   TILE_K × TILE_N slab of b in workgroup memory (vec4), then reads them from there
//                   (TF.js's packed matmul does this with 4 × 4 blocks). Best where workgroup memory is
//                   fast and barriers are cheap: hardware GPUs.
//   STAGED = false: every invocation reads its a rows and b columns straight from global memory and
//                   the caches share them between invocations; no workgroup memory, no barrier.
//                   Best where barriers are expensive: software adapters (SwiftShader runs the
//                   invocations of a workgroup as coroutines and switches them at every barrier).
// Two tiled entry points: main_vec4 reads and writes global memory as vec4 (needs k and n multiples of 4);
// main_scalar takes any m, k, n. Out-of-range rows/columns are clamped on load and never stored;
// out-of-range k contributes zeros.

override WG_X: u32 = 8u; // invocations along n
override WG_Y: u32 = 8u; // invocations along m; each owns 8 rows
override TILE_K: u32 = 16u; // K step of the staged slabs; a multiple of 4
override STAGED: bool = true;
override WIDE: bool = false; // 8 columns per invocation instead of 4
override TILE_M: u32 = WG_Y * 8u;
override TILE_N: u32 = WG_X * select(4u, 8u, WIDE);

struct Params {
  m: u32,
  k: u32,
  n: u32,
  has_bias: u32,
  activation: u32, // 0 none, 1 gelu (tanh form)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;
// The same bindings seen as vec4, used by main_vec4 only.
@group(0) @binding(1) var<storage, read> a4: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> c4: array<vec4<f32>>;

// STAGED only: a_tile[row][k / 4] and b_tile[k][col / 4].
var<workgroup> a_tile: array<vec4<f32>, TILE_M * TILE_K / 4u>;
var<workgroup> b_tile: array<vec4<f32>, TILE_K * TILE_N / 4u>;

// acc += av.x·b0 + av.y·b1 + av.z·b2 + av.w·b3: four k steps of one row.
fn row_fma(av: vec4<f32>, b0: vec4<f32>, b1: vec4<f32>, b2: vec4<f32>, b3: vec4<f32>, acc: vec4<f32>) -> vec4<f32> {
  return fma(vec4(av.w), b3, fma(vec4(av.z), b2, fma(vec4(av.y), b1, fma(vec4(av.x), b0, acc))));
}

// Eight rows of one vec4 column: 8 × 4 k values of a, or 8 × 4 outputs of c. Named fields, not an
// indexed array: an indexed array lives in memory on compilers that do not unroll loops
// (SwiftShader's among them).
struct Rows {
  r0: vec4<f32>, r1: vec4<f32>, r2: vec4<f32>, r3: vec4<f32>,
  r4: vec4<f32>, r5: vec4<f32>, r6: vec4<f32>, r7: vec4<f32>,
}

// This invocation's outputs: acc is its first vec4 column, wide its second (WIDE).
var<private> acc: Rows;
var<private> wide: Rows;

// sum + x · (rows k…k+3 of b, one vec4 column): rows 0…7 of a, 4 k values each, 128 multiply-adds.
fn accumulate(sum: Rows, x: Rows, b0: vec4<f32>, b1: vec4<f32>, b2: vec4<f32>, b3: vec4<f32>) -> Rows {
  return Rows(
    row_fma(x.r0, b0, b1, b2, b3, sum.r0), row_fma(x.r1, b0, b1, b2, b3, sum.r1),
    row_fma(x.r2, b0, b1, b2, b3, sum.r2), row_fma(x.r3, b0, b1, b2, b3, sum.r3),
    row_fma(x.r4, b0, b1, b2, b3, sum.r4), row_fma(x.r5, b0, b1, b2, b3, sum.r5),
    row_fma(x.r6, b0, b1, b2, b3, sum.r6), row_fma(x.r7, b0, b1, b2, b3, sum.r7),
  );
}

fn row_of(x: Rows, r: u32) -> vec4<f32> {
  switch (r) {
    case 0u: { return x.r0; }
    case 1u: { return x.r1; }
    case 2u: { return x.r2; }
    case 3u: { return x.r3; }
    case 4u: { return x.r4; }
    case 5u: { return x.r5; }
    case 6u: { return x.r6; }
    default: { return x.r7; }
  }
}

// Row r of the first (or, `second`, the WIDE) vec4 column of outputs.
fn accumulator(r: u32, second: bool) -> vec4<f32> {
  if (second) {
    return row_of(wide, r);
  }
  return row_of(acc, r);
}

// Multiplies the staged slabs into the accumulators.
fn multiply_tiles(lx: u32, ly: u32) {
  let a_stride = TILE_K / 4u;
  let b_stride = TILE_N / 4u;
  let a_row = ly * 8u * a_stride;
  for (var kv = 0u; kv < TILE_K / 4u; kv++) {
    let ak = a_row + kv;
    let x = Rows(
      a_tile[ak], a_tile[ak + a_stride], a_tile[ak + 2u * a_stride], a_tile[ak + 3u * a_stride],
      a_tile[ak + 4u * a_stride], a_tile[ak + 5u * a_stride], a_tile[ak + 6u * a_stride],
      a_tile[ak + 7u * a_stride],
    );
    let bk = kv * 4u * b_stride + lx;
    acc = accumulate(acc, x, b_tile[bk], b_tile[bk + b_stride], b_tile[bk + 2u * b_stride], b_tile[bk + 3u * b_stride]);
    if (WIDE) {
      let bw = bk + WG_X;
      wide = accumulate(wide, x, b_tile[bw], b_tile[bw + b_stride], b_tile[bw + 2u * b_stride], b_tile[bw + 3u * b_stride]);
    }
  }
}

fn gelu(x: vec4<f32>) -> vec4<f32> {
  let inner = 0.7978845608 * (x + 0.044715 * x * x * x);
  return 0.5 * x * (1.0 + tanh(clamp(inner, vec4(-15.0), vec4(15.0))));
}

fn epilogue(value: vec4<f32>, bias_value: vec4<f32>) -> vec4<f32> {
  var v = value + bias_value;
  if (params.activation == 1u) {
    v = gelu(v);
  }
  return v;
}

// Writes rows row … row+7 of vec4 column col4 (its `second` accumulators with WIDE).
fn store_vec4(row: u32, col4: u32, second: bool) {
  let n4 = params.n / 4u;
  if (col4 >= n4) {
    return;
  }
  var bias_value = vec4(0.0);
  if (params.has_bias != 0u) {
    bias_value = bias4[col4];
  }
  for (var r = 0u; r < 8u; r++) {
    if (row + r < params.m) {
      c4[(row + r) * n4 + col4] = epilogue(accumulator(r, second), bias_value);
    }
  }
}

// grid: (ceil(n / TILE_N), ceil(m / TILE_M)); requires k % 4 == 0 and n % 4 == 0.
@compute @workgroup_size(WG_X, WG_Y)
fn main_vec4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let m = params.m;
  let k4 = params.k / 4u;
  let n4 = params.n / 4u;
  let row0 = wid.y * TILE_M;
  let col0 = wid.x * (TILE_N / 4u); // in vec4 columns
  let row = row0 + lid.y * 8u;
  let col4 = col0 + lid.x; // the second vec4 column (WIDE) is col4 + WG_X

  if (STAGED) {
    let tid = lid.y * WG_X + lid.x;
    let threads = WG_X * WG_Y;
    for (var k0 = 0u; k0 < k4; k0 += TILE_K / 4u) {
      for (var i = tid; i < TILE_M * TILE_K / 4u; i += threads) {
        let r = row0 + i / (TILE_K / 4u);
        let kv = k0 + i % (TILE_K / 4u);
        a_tile[i] = select(vec4(0.0), a4[min(r, m - 1u) * k4 + min(kv, k4 - 1u)], r < m && kv < k4);
      }
      for (var i = tid; i < TILE_K * TILE_N / 4u; i += threads) {
        let kk = k0 * 4u + i / (TILE_N / 4u);
        let cv = col0 + i % (TILE_N / 4u);
        let v = b4[min(kk, params.k - 1u) * n4 + min(cv, n4 - 1u)];
        b_tile[i] = select(vec4(0.0), v, kk < params.k && cv < n4);
      }
      workgroupBarrier();
      multiply_tiles(lid.x, lid.y);
      workgroupBarrier();
    }
  } else {
    // Rows past m and columns past n are clamped: they read real data and are never stored.
    let c0 = min(col4, n4 - 1u);
    let c1 = min(col4 + WG_X, n4 - 1u);
    let r0 = min(row, m - 1u) * k4;
    let r1 = min(row + 1u, m - 1u) * k4;
    let r2 = min(row + 2u, m - 1u) * k4;
    let r3 = min(row + 3u, m - 1u) * k4;
    let r4 = min(row + 4u, m - 1u) * k4;
    let r5 = min(row + 5u, m - 1u) * k4;
    let r6 = min(row + 6u, m - 1u) * k4;
    let r7 = min(row + 7u, m - 1u) * k4;
    for (var kv = 0u; kv < k4; kv++) {
      let x = Rows(
        a4[r0 + kv], a4[r1 + kv], a4[r2 + kv], a4[r3 + kv],
        a4[r4 + kv], a4[r5 + kv], a4[r6 + kv], a4[r7 + kv],
      );
      let bk = kv * 4u * n4;
      acc = accumulate(acc, x, b4[bk + c0], b4[bk + n4 + c0], b4[bk + 2u * n4 + c0], b4[bk + 3u * n4 + c0]);
      if (WIDE) {
        wide = accumulate(wide, x, b4[bk + c1], b4[bk + n4 + c1], b4[bk + 2u * n4 + c1], b4[bk + 3u * n4 + c1]);
      }
    }
  }

  store_vec4(row, col4, false);
  if (WIDE) {
    store_vec4(row, col4 + WG_X, true);
  }
}

// a[row][kk … kk+3], zeros past k.
fn load_a(row: u32, kk: u32) -> vec4<f32> {
  let k = params.k;
  let base = row * k;
  return vec4(
    select(0.0, a[base + min(kk, k - 1u)], kk < k),
    select(0.0, a[base + min(kk + 1u, k - 1u)], kk + 1u < k),
    select(0.0, a[base + min(kk + 2u, k - 1u)], kk + 2u < k),
    select(0.0, a[base + min(kk + 3u, k - 1u)], kk + 3u < k),
  );
}

// b[kk][col … col+3], zeros past k; columns past n are clamped (never stored).
fn load_b(kk: u32, col: u32) -> vec4<f32> {
  let n = params.n;
  let base = min(kk, params.k - 1u) * n;
  let v = vec4(
    b[base + min(col, n - 1u)],
    b[base + min(col + 1u, n - 1u)],
    b[base + min(col + 2u, n - 1u)],
    b[base + min(col + 3u, n - 1u)],
  );
  return select(vec4(0.0), v, kk < params.k);
}

// Writes rows row … row+7, columns col … col+3 (its `second` accumulators with WIDE).
fn store_scalar(row: u32, col: u32, second: bool) {
  let n = params.n;
  if (col >= n) {
    return;
  }
  var bias_value = vec4(0.0);
  if (params.has_bias != 0u) {
    for (var j = 0u; j < 4u; j++) {
      bias_value[j] = bias[min(col + j, n - 1u)];
    }
  }
  for (var r = 0u; r < 8u; r++) {
    if (row + r < params.m) {
      let v = epilogue(accumulator(r, second), bias_value);
      for (var j = 0u; j < 4u; j++) {
        if (col + j < n) {
          c[(row + r) * n + col + j] = v[j];
        }
      }
    }
  }
}

// grid: (ceil(n / TILE_N), ceil(m / TILE_M)); any m, k, n.
@compute @workgroup_size(WG_X, WG_Y)
fn main_scalar(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let m = params.m;
  let k = params.k;
  let row0 = wid.y * TILE_M;
  let col0 = wid.x * TILE_N;
  let row = row0 + lid.y * 8u;
  let col = col0 + lid.x * 4u; // the second group (WIDE) starts at col + 4·WG_X

  if (STAGED) {
    let tid = lid.y * WG_X + lid.x;
    let threads = WG_X * WG_Y;
    for (var k0 = 0u; k0 < k; k0 += TILE_K) {
      for (var i = tid; i < TILE_M * TILE_K / 4u; i += threads) {
        let r = row0 + i / (TILE_K / 4u);
        a_tile[i] = select(vec4(0.0), load_a(min(r, m - 1u), k0 + (i % (TILE_K / 4u)) * 4u), r < m);
      }
      for (var i = tid; i < TILE_K * TILE_N / 4u; i += threads) {
        b_tile[i] = load_b(k0 + i / (TILE_N / 4u), col0 + (i % (TILE_N / 4u)) * 4u);
      }
      workgroupBarrier();
      multiply_tiles(lid.x, lid.y);
      workgroupBarrier();
    }
  } else {
    let r0 = min(row, m - 1u);
    let r1 = min(row + 1u, m - 1u);
    let r2 = min(row + 2u, m - 1u);
    let r3 = min(row + 3u, m - 1u);
    let r4 = min(row + 4u, m - 1u);
    let r5 = min(row + 5u, m - 1u);
    let r6 = min(row + 6u, m - 1u);
    let r7 = min(row + 7u, m - 1u);
    let col_wide = col + 4u * WG_X;
    for (var kk = 0u; kk < k; kk += 4u) {
      let x = Rows(
        load_a(r0, kk), load_a(r1, kk), load_a(r2, kk), load_a(r3, kk),
        load_a(r4, kk), load_a(r5, kk), load_a(r6, kk), load_a(r7, kk),
      );
      acc = accumulate(acc, x, load_b(kk, col), load_b(kk + 1u, col), load_b(kk + 2u, col), load_b(kk + 3u, col));
      if (WIDE) {
        wide = accumulate(
          wide,
          x,
          load_b(kk, col_wide),
          load_b(kk + 1u, col_wide),
          load_b(kk + 2u, col_wide),
          load_b(kk + 3u, col_wide),
        );
      }
    }
  }

  store_scalar(row, col, false);
  if (WIDE) {
    store_scalar(row, col + 4u * WG_X, true);
  }
}

// naive: grid (ceil(n / WG_X), ceil(m / WG_Y)); invocation (col, row) computes c[row][col] alone.
@compute @workgroup_size(WG_X, WG_Y)
fn naive(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col = gid.x;
  let row = gid.y;
  if (row >= params.m || col >= params.n) {
    return;
  }
  var sum = 0.0;
  for (var kk = 0u; kk < params.k; kk++) {
    sum = fma(a[row * params.k + kk], b[kk * params.n + col], sum);
  }
  var bias_value = 0.0;
  if (params.has_bias != 0u) {
    bias_value = bias[col];
  }
  c[row * params.n + col] = epilogue(vec4(sum), vec4(bias_value)).x;
}
