// The verdict vocabulary (contract: ../shared/design.md "Page automation hooks") and the one place
// that turns evidence into a verdict. A verdict says only what the evidence in front of it supports:
// a measured interval wholly past the article's threshold, wholly short of it, or straddling it; a
// software adapter gives ratios but never a verdict about hardware; a share of a ceiling above 100%
// is a cache effect and never counts.

export const VERDICTS = [
  'consistent',
  'not-reproduced',
  'inconclusive',
  'mechanism-only',
  'article-inconsistent',
  'not-measurable',
  'reference',
  'out-of-scope',
  'software',
] as const;

export type Verdict = (typeof VERDICTS)[number];

/** What each verdict means, in one line (the page's legend and the README use these). */
export const VERDICT_MEANING: Readonly<Record<Verdict, string>> = Object.freeze({
  consistent: 'the measured interval lies wholly on the article’s side of its figure',
  'not-reproduced': 'the measured interval lies wholly on the other side of the article’s figure',
  inconclusive: 'the evidence does not decide: the interval straddles the figure, or this run lacks it',
  'mechanism-only': 'the mechanism is shown; the literal claim is not measurable or not possible',
  'article-inconsistent': 'the article’s own figures or words contradict each other',
  'not-measurable': 'nothing a web page can measure bears on it',
  reference: 'a figure reported without a method; shown for reference',
  'out-of-scope': 'about something other than kernels and decoding',
  software: 'measured on a software adapter (the CPU): ratios are shown, no verdict about hardware',
});

/** An estimate with its 95% confidence interval. */
export interface Interval {
  estimate: number;
  ci95: readonly [number, number];
}

/**
 * The verdict of a measured interval against the article's threshold: `consistent` when the whole
 * interval is on the article's side (≥ threshold when `better` is 'higher', ≤ when 'lower'),
 * `not-reproduced` when the whole interval is on the other side, else `inconclusive`. An interval
 * that is not finite or not ordered is `inconclusive` too.
 */
export function againstThreshold(
  measured: Interval,
  threshold: number,
  better: 'higher' | 'lower',
): 'consistent' | 'not-reproduced' | 'inconclusive' {
  const [lo, hi] = measured.ci95;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) return 'inconclusive';
  const articleSide = better === 'higher' ? lo >= threshold : hi <= threshold;
  const otherSide = better === 'higher' ? hi < threshold : lo > threshold;
  return articleSide ? 'consistent' : otherSide ? 'not-reproduced' : 'inconclusive';
}

/**
 * A hardware claim measured on a software adapter: whatever the interval says becomes `software`
 * (the figures are shown, the verdict is not given). Other verdicts pass through.
 */
export function forHardwareClaim(verdict: Verdict, isSoftware: boolean): Verdict {
  const measuredVerdict =
    verdict === 'consistent' || verdict === 'not-reproduced' || verdict === 'inconclusive';
  return isSoftware && measuredVerdict ? 'software' : verdict;
}

/** A share of a ceiling: whether it may count as evidence (≤ 100%) or is inflated (> 100%: a cache, or load). */
export function ceilingShareCounts(share: Interval): boolean {
  return Number.isFinite(share.estimate) && share.estimate <= 1 && share.ci95[0] <= 1;
}

/** 1 − 1/x over an interval of speed-ups x: the share of time saved (monotonic, so bounds map to bounds). */
export function timeSavedFromSpeedup(speedup: Interval): Interval {
  const saved = (x: number) => 1 - 1 / x;
  return { estimate: saved(speedup.estimate), ci95: [saved(speedup.ci95[0]), saved(speedup.ci95[1])] };
}
