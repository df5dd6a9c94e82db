/**
 * The README's chart: one horizontal bar per headline figure, the ratio typessl / node:tls on a
 * scale with a line at 1.0; green where typessl is at least as good, orange where it is not, and
 * the reason printed where a figure could not be measured. Plain SVG, no dependencies.
 */
import { suiteSpec } from './common.js';
import type { Figure } from './figures.js';
import { ratioIsGood, type BenchReport } from './report.js';

/** The figures the chart shows: typessl on both sides (no mixed pairs), headline quantities. */
export function chartFigures(figures: Figure[]): Figure[] {
  const wanted = [
    /throughput$/,
    /sequential: handshakes\/s$/,
    /concurrent loops: handshakes\/s$/,
    /resumed, sequential/,
    /sequential: server CPU per handshake$/,
    /server RSS$/,
    /client RSS$/,
    /^seal 16 KiB$/,
    /^open 16 KiB$/,
  ];
  return figures.filter((f) => f.subject === 'typessl' && wanted.some((w) => w.test(f.name)));
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderChart(report: BenchReport): string {
  const figs = chartFigures(report.figures);
  const rowH = 20;
  const labelW = 610;
  const barW = 360;
  const top = 58;
  const maxRatio = Math.max(2, ...figs.map((f) => f.ratio ?? 0));
  const scale = barW / maxRatio;
  const height = top + figs.length * rowH + 40;
  const width = labelW + barW + 80;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="10" y="20" font-size="15" font-weight="bold">typessl / node:tls (same run, medians of alternating runs)</text>`);
  const m = report.machine;
  out.push(`<text x="10" y="38" fill="#555">${escapeXml(`${report.mode} run ${report.date.slice(0, 10)}, ${m.cores} cores ${m.cpu}, Node ${m.node}, load ${m.loadStart.toFixed(1)}-${m.loadEnd.toFixed(1)}; record rows: vs raw node:crypto AEAD`)}</text>`);
  figs.forEach((f, i) => {
    const y = top + i * rowH;
    const better = f.higherIsBetter ? 'higher is better' : 'lower is better';
    const label = `${suiteSpec(f.suite).label}: ${f.name} (${better})`;
    out.push(`<text x="${labelW - 8}" y="${y + 14}" text-anchor="end">${escapeXml(label)}</text>`);
    if (f.ratio === null) {
      out.push(`<text x="${labelW + 4}" y="${y + 14}" fill="#888">${escapeXml(f.note ?? 'n/a')}</text>`);
      return;
    }
    const w = Math.max(1, f.ratio * scale);
    const color = ratioIsGood(f) ? '#3a9a4a' : '#e08a2c';
    out.push(`<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${color}"/>`);
    out.push(`<text x="${(labelW + w + 4).toFixed(1)}" y="${y + 14}">${f.ratio.toFixed(2)}x</text>`);
  });
  const oneX = labelW + scale;
  out.push(`<line x1="${oneX}" y1="${top - 4}" x2="${oneX}" y2="${top + figs.length * rowH + 4}" stroke="black" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${oneX}" y="${top + figs.length * rowH + 18}" text-anchor="middle">1.0 = node:tls</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
