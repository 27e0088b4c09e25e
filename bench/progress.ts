// Progress of a run on the terminal: a redrawn bar on a TTY, one plain line per step otherwise (logs,
// CI), so nothing is lost when the output is not a terminal.

import type { Progress } from '../src/measure/run.ts';

export interface ProgressSink {
  update(p: Progress): void;
  /** Clears the bar before other output. */
  done(): void;
}

function eta(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  const s = Math.round(ms / 1000);
  return s >= 60 ? ` ~${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s left` : ` ~${s}s left`;
}

export function createProgress(stream: NodeJS.WriteStream): ProgressSink {
  // Under `npm run bench` standard error is a pipe (scripts/setup.mjs filters Dawn's noise from it);
  // the set-up says whether the pipe ends in a terminal.
  const terminal = stream.isTTY || process.env.ATTNSCOPE_STDERR_TTY === '1';
  if (!terminal) {
    let lastDone = -1;
    return {
      update(p) {
        if (p.result || p.done !== lastDone || p.step.endsWith('timing')) {
          stream.write(`[${p.done}/${p.total}] ${p.step}\n`);
          lastDone = p.done;
        }
      },
      done() {},
    };
  }
  let drawn = false;
  return {
    update(p) {
      const columns = stream.columns ?? (Number(process.env.COLUMNS) || 80);
      const width = Math.max(10, Math.min(30, columns - 60));
      const filled = p.total ? Math.round((width * p.done) / p.total) : 0;
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total}${eta(p.etaMs)} `;
      const text = `${bar}${p.step}`.slice(0, columns - 1);
      stream.write(`\r\x1b[2K${text}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
