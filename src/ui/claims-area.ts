// The claims section: the article's claims held against the results on display (claims-view.ts
// builds it), hidden while nothing finished is shown. The page's only wiring of the claims.

import type { ResultsFile } from '../results/types.ts';
import { claimsView } from './claims-view.ts';
import { byId, h, replaceChildren, show } from './dom.ts';
import { messageOf } from './error-area.ts';
import type { Origin } from './results-view.ts';

/** The results the claims were last drawn for. */
let drawn: { file: ResultsFile; origin: Origin } | undefined;

export function renderClaims(file: ResultsFile | undefined, origin: Origin = 'here'): void {
  const section = byId('claims-section');
  if (!file) {
    drawn = undefined;
    show(section, false);
    return;
  }
  show(section, true);
  // The same results again (the page redraws when its adapter is found, a tab is chosen, …): the view
  // stays, with what is being typed into its inputs and the model chosen in its decoder section.
  if (drawn?.file === file && drawn.origin === origin) return;
  drawn = { file, origin };
  try {
    replaceChildren(byId('claims-body'), claimsView(file, { origin }));
  } catch (error) {
    replaceChildren(
      byId('claims-body'),
      h('p', { class: 'callout danger' }, `The claims could not be checked: ${messageOf(error)}`),
    );
  }
}
