// The article's claims as Markdown lines for BENCHMARKS.md: each claim with its verdict on the run
// and the figure behind it, and the article-against-itself rows. The same checks as the page, at the
// default inputs (DEFAULT_INPUTS).

import type { ResultsFile } from '../results/types.ts';
import { markdownCell } from '../util/markdown.ts';
import { articleCitation } from './article.ts';
import { checkClaims } from './claims.ts';
import { DEFAULT_INPUTS } from './inputs.ts';
import { selfAudit } from './self-audit.ts';

/** "## The article's claims on this run": a table of claim, verdict and what was measured. */
export function claimsMarkdown(file: ResultsFile): string[] {
  const inputs = DEFAULT_INPUTS;
  const lines = [
    "## The article's claims on this run",
    '',
    `Held against ${articleCitation()}, with the page's default inputs ($${inputs.pricePerGpuHour}/GPU-hour, ${inputs.format}, context ${inputs.context}, batch ${inputs.batch}, ${inputs.cards} card of ${inputs.memoryGB} GB).${file.environment.adapter.isSoftware ? ' A software adapter ran: hardware claims get no verdict.' : ''}`,
    '',
    '| Claim | Verdict | Measured |',
    '|---|---|---|',
    ...checkClaims(file, { inputs }).map(
      ({ claim, outcome }) =>
        `| ${markdownCell(claim.title)} | \`${outcome.verdict}\` | ${markdownCell(outcome.measured ?? '—')} |`,
    ),
    '',
    'The article against itself (no GPU needed):',
    '',
    '| Row | Verdict | Arithmetic |',
    '|---|---|---|',
    ...selfAudit().map(
      (row) =>
        `| ${markdownCell(row.title)} | \`${row.verdict}\` | ${markdownCell(row.arithmetic.join('; ') || '—')} |`,
    ),
    '',
  ];
  return lines;
}
