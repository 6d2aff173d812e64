// Our own small chart code: inline SVG, no library, no network. Each mark carries data-* attributes with the
// figure it draws; sizes are in a fixed viewBox that scales to the page width.
import { dataAttrs, esc } from './escape';

const WIDTH = 760;
const LABEL = 210;
const VALUE = 110;
const ROW = 26;

const fmt = (n: number): string => n.toLocaleString('en-US');
const cut = (s: string, max = 30): string => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

export interface Bar {
  label: string;
  /** The bar's length. */
  value: number;
  /** A lighter bar behind it (e.g. purchased seats behind assigned ones). */
  total?: number;
  /** A darker part of the bar drawn from its start (e.g. never-active users among the inactive). */
  part?: number;
  /** Text at the right of the bar. */
  caption: string;
  data: Record<string, unknown>;
}

export interface BarOptions {
  /** Width of the label column in viewBox units (default 210); long labels get a wider one. */
  label?: number;
  /** The scale's maximum (default: the largest value or total), e.g. 100 for percentages. */
  max?: number;
}

/** Horizontal bars, one row per item, scaled to the largest value or total (or `opts.max`). */
export function barChart(chart: string, title: string, bars: Bar[], opts: BarOptions = {}): string {
  if (bars.length === 0) return `<p class="empty">No data.</p>`;
  const label = opts.label ?? LABEL;
  const area = WIDTH - label - VALUE;
  let max = opts.max ?? 1;
  if (opts.max === undefined) for (const b of bars) max = Math.max(max, b.value, b.total ?? 0);
  const scale = (v: number) => (Math.min(v, max) / max) * area;
  const height = bars.length * ROW + 8;
  const rows = bars.map((b, i) => {
    const y = i * ROW + 4;
    const back = b.total === undefined ? '' : `<rect class="total" x="${label}" y="${y}" width="${scale(b.total).toFixed(1)}" height="${ROW - 8}" rx="3"/>`;
    const part = b.part ? `<rect class="part" x="${label}" y="${y}" width="${scale(b.part).toFixed(1)}" height="${ROW - 8}" rx="3"/>` : '';
    return (
      `<g class="row"><title>${esc(b.label)}: ${esc(b.caption)}</title>` +
      `<text class="label" x="${label - 8}" y="${y + ROW / 2}" text-anchor="end">${esc(cut(b.label, Math.floor(label / 6.6)))}</text>${back}` +
      `<rect class="bar" x="${label}" y="${y}" width="${scale(b.value).toFixed(1)}" height="${ROW - 8}" rx="3"${dataAttrs(b.data)}/>${part}` +
      `<text class="value" x="${WIDTH - VALUE + 8}" y="${y + ROW / 2}">${esc(b.caption)}</text></g>`
    );
  });
  return `<svg class="chart" data-chart="${esc(chart)}" role="img" aria-label="${esc(title)}" viewBox="0 0 ${WIDTH} ${height}" preserveAspectRatio="xMinYMin meet">${rows.join('')}</svg>`;
}

export interface Series {
  name: string;
  cls: string;
  values: number[];
}

/** A line chart over dates; each point carries data-date and the value of every series at that date. */
export function lineChart(chart: string, title: string, dates: string[], series: Series[]): string {
  if (dates.length === 0) return `<p class="empty">No history yet.</p>`;
  const height = 210;
  const left = 60;
  const right = 20;
  const top = 16;
  const bottom = 36;
  let max = 1;
  for (const s of series) for (const v of s.values) max = Math.max(max, v);
  const x = (i: number) => (dates.length === 1 ? (left + WIDTH - right) / 2 : left + (i / (dates.length - 1)) * (WIDTH - left - right));
  const y = (v: number) => top + (1 - v / max) * (height - top - bottom);
  const grid = [0, 0.5, 1].map((f) => {
    const v = Math.round(max * f);
    return (
      `<line class="grid" x1="${left}" x2="${WIDTH - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>` +
      `<text class="axis" x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`
    );
  });
  const lines = series.map((s) => `<polyline class="line ${esc(s.cls)}" points="${s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`);
  const points = dates.map((d, i) => {
    const data: Record<string, unknown> = { date: d };
    for (const s of series) data[s.name] = s.values[i];
    const label = series.map((s) => `${s.name} ${fmt(s.values[i] ?? 0)}`).join(', ');
    return series
      .map(
        (s) =>
          `<circle class="point ${esc(s.cls)}" cx="${x(i).toFixed(1)}" cy="${y(s.values[i] ?? 0).toFixed(1)}" r="3.5"${s === series[0] ? dataAttrs(data) : ''}><title>${esc(d)}: ${esc(label)}</title></circle>`,
      )
      .join('');
  });
  const step = Math.max(1, Math.ceil(dates.length / 8));
  // The first and last dates sit at the plot's edges: anchor them inwards so they are not cut off.
  const anchor = (i: number) => (dates.length === 1 ? 'middle' : i === 0 ? 'start' : i === dates.length - 1 ? 'end' : 'middle');
  const ticks = dates.map((d, i) =>
    i % step === 0 || i === dates.length - 1 ? `<text class="axis" x="${x(i).toFixed(1)}" y="${height - 12}" text-anchor="${anchor(i)}">${esc(d)}</text>` : '',
  );
  const legend = series.map(
    (s, i) =>
      `<g transform="translate(${left + i * 140},${height + 8})"><rect class="key ${esc(s.cls)}" width="10" height="10" y="-9"/><text class="axis" x="14">${esc(s.name)}</text></g>`,
  );
  return (
    `<svg class="chart" data-chart="${esc(chart)}" role="img" aria-label="${esc(title)}" viewBox="0 0 ${WIDTH} ${height + 14}" preserveAspectRatio="xMinYMin meet">` +
    `${grid.join('')}${lines.join('')}${points.join('')}${ticks.join('')}${legend.join('')}</svg>`
  );
}
