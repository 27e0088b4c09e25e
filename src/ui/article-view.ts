// What the page checks, shown on first load before any run: the article named, its claims listed
// without verdicts (data-testid="claims-preview"), and "The article against itself"
// (data-testid="article-self"): rows whose arithmetic needs no GPU, each with its inputs, their
// sources, and a data-verdict.

import { ARTICLE, claims, type SelfAuditRow, selfAudit } from '../article/index.ts';
import { claimRow, figureText, VERDICT_LABEL } from './claims-view.ts';
import { h, srOnly, tableWrap } from './dom.ts';

function selfAuditRow(row: SelfAuditRow): HTMLElement {
  const verdict =
    row.verdict === 'consistent' ? { label: 'Arithmetic holds', kind: 'ok' } : VERDICT_LABEL[row.verdict];
  return claimRow(
    row.id,
    row.verdict,
    [h('strong', {}, row.title), ...row.quotes.map((quote) => h('q', { class: 'quote' }, quote))],
    [
      ...row.arithmetic.map((line) => h('div', { class: 'formula' }, line)),
      h(
        'details',
        {},
        h('summary', {}, 'Inputs and sources', srOnly(`: ${row.title}`)),
        h(
          'ul',
          {},
          ...row.inputs.map((input) => h('li', {}, `${input.name}: ${input.value} (${input.source})`)),
        ),
      ),
    ],
    [h('span', { class: `badge ${verdict.kind}` }, verdict.label), h('p', { class: 'small' }, row.finding)],
  );
}

/** The article named, its claims (no verdicts) and the article held against itself. */
export function articleView(): HTMLElement {
  return h(
    'section',
    { id: 'article-section', class: 'card', 'aria-labelledby': 'article-heading', testid: 'article' },
    h('h2', { id: 'article-heading' }, 'The article held up against your GPU'),
    h(
      'p',
      {},
      'attnscope checks the figures of ',
      h('cite', { testid: 'article-title' }, ARTICLE.title),
      ` (${ARTICLE.outlet}, ${ARTICLE.date}). Below, what it claims and what its own figures imply; after a run, each claim gets a verdict from the results.`,
    ),
    h(
      'details',
      { class: 'claims-preview' },
      h('summary', {}, `The ${claims.length} claims a run checks`),
      h(
        'ul',
        { testid: 'claims-preview' },
        ...claims.map((claim) =>
          h(
            'li',
            { 'data-claim': claim.id },
            h('strong', {}, claim.title),
            ` — ${figureText(claim.articleFigure)}. `,
            h('q', { class: 'quote' }, claim.quote),
          ),
        ),
      ),
    ),
    h('h3', {}, 'The article against itself'),
    h(
      'p',
      { class: 'muted' },
      'Arithmetic on the article’s own figures and on public specs (the chip table’s sources); no GPU needed.',
    ),
    tableWrap(
      h(
        'table',
        { class: 'claims', testid: 'article-self' },
        h('caption', { class: 'visually-hidden' }, 'The article checked against itself'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'The article says'),
            h('th', { scope: 'col' }, 'Arithmetic'),
            h('th', { scope: 'col' }, 'Verdict'),
          ),
        ),
        h('tbody', {}, ...selfAudit().map(selfAuditRow)),
      ),
    ),
  );
}
