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
