// Everything from the warehouse goes through here before it reaches the HTML: a display name like
// `<img src=x onerror=…>` must show as text, in element content and in attribute values alike.
import { safeText } from '../cli/output/sanitize';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(value: unknown): string {
  const s = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return safeText(s).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** `data-name="value"` pairs for chart elements, so tests (and curious readers) can check what was drawn. */
export function dataAttrs(attrs: Record<string, unknown>): string {
  return Object.entries(attrs)
    .map(([k, v]) => ` data-${k.replace(/[^a-z0-9-]/gi, '-').toLowerCase()}="${esc(v)}"`)
    .join('');
}
