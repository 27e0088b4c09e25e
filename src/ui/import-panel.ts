// Opening a results file (exported here or by `npm run bench -- --json`): a file picker, and dropping
// the file anywhere on the page. The file is validated like a share link before anything is shown.

import type { ResultsFile } from '../results/types.ts';
import { h } from './dom.ts';
import { readImportedFile } from './share.ts';

/** The import section's content; onOpen gets validated results and the file's name. */
export function importPanel(
  onOpen: (file: ResultsFile, name: string) => void,
  onError: (message: string) => void,
): HTMLElement {
  const open = async (file: File | undefined) => {
    if (!file) return;
    const parsed = await readImportedFile(file);
    if (parsed.ok) onOpen(parsed.value, file.name.slice(0, 120));
    else onError(parsed.error);
  };
  const input = h('input', {
    type: 'file',
    id: 'import-file',
    accept: '.json,application/json',
    testid: 'import-file',
    class: 'visually-hidden',
  });
  input.addEventListener('change', () => {
    void open(input.files?.[0]);
    input.value = '';
  });
  const zone = h(
    'div',
    { class: 'drop-zone', testid: 'drop-zone' },
    h('label', { for: 'import-file', class: 'button secondary' }, 'Choose a JSON file…'),
    h('span', { class: 'muted' }, ' or drop one anywhere on this page. '),
    h(
      'span',
      { class: 'muted small' },
      'Files exported here (Export JSON) or written by the command line (npm run bench -- --json FILE). They are read in this tab only and shown as not measured here.',
    ),
  );
  // Dropping anywhere: the page highlights the zone and reads the first file.
  let depth = 0;
  window.addEventListener('dragenter', (event) => {
    if (!event.dataTransfer?.types.includes('Files')) return;
    depth++;
    zone.classList.add('active');
  });
  window.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.classList.remove('active');
  });
  window.addEventListener('dragover', (event) => {
    if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
  });
  window.addEventListener('drop', (event) => {
    if (!event.dataTransfer?.files.length) return;
    event.preventDefault();
    depth = 0;
    zone.classList.remove('active');
    void open(event.dataTransfer.files[0]);
  });
  return h('div', {}, zone, input);
}
