// Number formatting for the page: a few significant digits, thin grouping, units always shown.

const locale = 'en-US';

/** 3 significant digits (at least), grouped: 1,234 · 12.3 · 0.0123. */
export function sig(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  if (Math.abs(value) < 1e-4) return value.toExponential(digits - 1);
  return value.toLocaleString(locale, { maximumFractionDigits: decimals, minimumFractionDigits: 0 });
}

/** Milliseconds with a unit that fits: 12.3 µs, 1.23 ms, 1.23 s. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1) return `${sig(ms * 1000)} µs`;
  if (ms < 1000) return `${sig(ms)} ms`;
  return `${sig(ms / 1000)} s`;
}

/** A wait in words for an ETA: "about 40 s", "about 2 min". */
export function eta(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  const s = Math.round(ms / 1000);
  if (s < 60) return `about ${Math.max(1, s)} s left`;
  return `about ${Math.round(s / 60)} min left`;
}

export function bytes(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = value;
  let unit = 0;
  while (v >= 1024 && unit < units.length - 1) {
    v /= 1024;
    unit++;
  }
  return `${sig(v)} ${units[unit]}`;
}

export function percent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  return `${sig(ratio * 100, 2)} %`;
}

export function ratio(value: number): string {
  if (!Number.isFinite(value)) return '–';
  return `${sig(value, 3)}×`;
}

export function integer(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString(locale) : '–';
}

/** A short, stable date: 2026-06-01 12:00 (local time). */
export function when(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso.slice(0, 40);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
