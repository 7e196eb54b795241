// @ts-check
// Grouped bar charts with uPlot (served from our origin, window.uPlot). A canvas says nothing
// to a screen reader, so each chart carries an aria-label summary and sits beside a table.
import { formatTick } from './format.js';

const GROUP_WIDTH = 0.8;

/** The global of /dashboard/uPlot.iife.min.js, typed by the uplot package. */
const uPlot = () => /** @type {{ uPlot: typeof import('uplot') }} */ (/** @type {unknown} */ (window)).uPlot;

/**
 * @param {HTMLElement} container
 * @param {string[]} labels one group per label (a country, a donor)
 * @param {{label: string, color: string, values: number[]}[]} series bar heights (drawing only)
 * @param {string} summary the aria-label: what the chart shows, in words and exact figures
 */
export function renderGroupedBars(container, labels, series, summary) {
  container.setAttribute('aria-label', summary);
  container.replaceChildren();
  if (labels.length === 0) return null;
  const width = GROUP_WIDTH / series.length;
  const xs = labels.map((_, i) => i);
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  /** @type {import('uplot').Options} */
  const options = {
    width: Math.max(240, container.clientWidth),
    height: 240,
    cursor: { show: false },
    legend: { show: true, live: false },
    scales: { x: { time: false, range: () => [-0.5, labels.length - 0.5] }, y: { range: () => [0, max * 1.1] } },
    axes: [
      { splits: () => xs, values: (_, splits) => splits.map((v) => labels[v] ?? ''), grid: { show: false } },
      { values: (_, splits) => splits.map(formatTick), size: 56 },
    ],
    series: [
      {},
      ...series.map((s, k) => ({
        label: s.label,
        fill: s.color,
        stroke: s.color,
        width: 0,
        points: { show: false },
        paths: uPlot().paths.bars({
          disp: {
            x0: { unit: 1, values: () => xs.map((i) => i - GROUP_WIDTH / 2 + k * width) },
            size: { unit: 1, values: () => [width * 0.92] },
          },
        }),
      })),
    ],
  };
  const chart = new (uPlot())(options, [xs, ...series.map((s) => s.values)], container);
  chart.root.querySelector('canvas')?.setAttribute('aria-hidden', 'true');
  return chart;
}

/** Keeps charts as wide as their container (phone rotation, window resize). */
export function fitOnResize(getCharts) {
  let pending = 0;
  window.addEventListener('resize', () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      for (const { chart, container } of getCharts()) {
        if (chart) chart.setSize({ width: Math.max(240, container.clientWidth), height: 240 });
      }
    });
  });
}

/**
 * Lines over days (uPlot's time axis, in seconds): one value per day per series, null where a
 * series has none (a ceiling before any mandate). A `stepped` series holds its value until the
 * next day it changes (a requirement, a ceiling); the others are drawn point to point.
 * @param {HTMLElement} container
 * @param {string[]} days `YYYY-MM-DD`, ascending
 * @param {{label: string, color: string, values: (number | null)[], stepped?: boolean, dash?: number[]}[]} series
 * @param {string} summary the aria-label: what the chart shows, in words and figures
 * @param {{ height?: number }} [options]
 */
export function renderTimeSeries(container, days, series, summary, options = {}) {
  container.setAttribute('aria-label', summary);
  container.replaceChildren();
  if (days.length === 0) return null;
  const xs = days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
  const values = series.flatMap((s) => s.values.filter((v) => v !== null)).map(Number);
  const max = Math.max(1, ...values);
  const min = Math.min(0, ...values);
  const stepped = uPlot().paths.stepped({ align: 1 });
  /** @type {import('uplot').Options} */
  const chart = {
    width: Math.max(240, container.clientWidth),
    height: options.height ?? 240,
    cursor: { show: true, points: { show: true } },
    legend: { show: true, live: true },
    scales: { x: { time: true }, y: { range: () => [min * 1.1, max * 1.1] } },
    axes: [{}, { values: (_, splits) => splits.map(formatTick), size: 56 }],
    series: [
      { value: (_, ts) => (ts === null ? '' : new Date(ts * 1000).toISOString().slice(0, 10)) },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        dash: s.dash,
        spanGaps: false,
        points: { show: days.length < 40 },
        ...(s.stepped && { paths: stepped }),
      })),
    ],
  };
  const plot = new (uPlot())(chart, /** @type {any} */ ([xs, ...series.map((s) => s.values)]), container);
  plot.root.querySelector('canvas')?.setAttribute('aria-hidden', 'true');
  return plot;
}
