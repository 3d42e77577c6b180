// The plot of bench/compare: latency (p50 dotted, p95 solid) from submit until every author
// had the op, against the number of authors, one colour per system and transport, on a log
// scale, with the 100 ms line the targets are set at. Plain SVG, no dependencies.

const COLOURS = {
  'tandem websocket': '#1b6ac9', 'tandem sse': '#2e9e5b', 'tandem poll': '#7a4fc9',
  'sharedb websocket': '#d9480f', 'socketio websocket': '#c2255c', 'socketio poll': '#e8a317',
};
const escape = (s) => String(s).replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderPlot(series, { title }) {
  const width = 820; const height = 480;
  const left = 70; const right = 200; const top = 40; const bottom = 60;
  const plotW = width - left - right; const plotH = height - top - bottom;
  const points = series.flatMap((s) => s.points);
  const maxN = Math.max(100, ...points.map((p) => p.authors));
  const xMax = Math.ceil(maxN / 100) * 100;
  const yMin = 0.1; const yMax = 10000;  // ms
  const x = (n) => left + (n / xMax) * plotW;
  const y = (ms) => {
    const clamped = Math.min(yMax, Math.max(yMin, ms));
    return top + plotH - ((Math.log10(clamped) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotH;
  };
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${left}" y="22" font-size="14" font-weight="bold">${escape(title)}</text>`);
  // Axes and grid.
  for (let ms = yMin; ms <= yMax; ms *= 10) {
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(ms)}" y2="${y(ms)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 8}" y="${y(ms) + 4}" text-anchor="end">${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}</text>`);
  }
  const step = xMax <= 500 ? 50 : 100;
  for (let n = 0; n <= xMax; n += step) {
    out.push(`<line x1="${x(n)}" x2="${x(n)}" y1="${top}" y2="${top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${x(n)}" y="${top + plotH + 16}" text-anchor="middle">${n}</text>`);
  }
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`);
  out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(100)}" y2="${y(100)}" stroke="#000" stroke-dasharray="6 4"/>`);
  out.push(`<text x="${left + plotW - 4}" y="${y(100) - 4}" text-anchor="end">100 ms</text>`);
  out.push(`<text x="${left + plotW / 2}" y="${height - 20}" text-anchor="middle">authors on one document, 2 ops/s each</text>`);
  out.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" text-anchor="middle">submit → delivered to every author</text>`);
  // Series.
  series.forEach((s, i) => {
    const colour = COLOURS[s.name] ?? '#555';
    const sorted = [...s.points].sort((a, b) => a.authors - b.authors);
    const path = (key) => sorted.map((p, j) => `${j ? 'L' : 'M'}${x(p.authors).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
    if (sorted.length) {
      out.push(`<path d="${path('p50_ms')}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-dasharray="2 3"/>`);
      out.push(`<path d="${path('p95_ms')}" fill="none" stroke="${colour}" stroke-width="2.5"/>`);
      for (const p of sorted) {
        out.push(`<circle cx="${x(p.authors).toFixed(1)}" cy="${y(p.p95_ms).toFixed(1)}" r="3" fill="${p.ok ? colour : 'white'}" stroke="${colour}"/>`);
      }
    }
    const ly = top + 14 + i * 20;
    out.push(`<line x1="${left + plotW + 14}" x2="${left + plotW + 40}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2.5"/>`);
    out.push(`<text x="${left + plotW + 46}" y="${ly + 4}">${escape(s.name)}</text>`);
  });
  const ly = top + 14 + series.length * 20 + 10;
  out.push(`<text x="${left + plotW + 14}" y="${ly}" fill="#444">solid: p95, dotted: p50</text>`);
  out.push(`<text x="${left + plotW + 14}" y="${ly + 16}" fill="#444">hollow: missed (p95 ≥ 100 ms</text>`);
  out.push(`<text x="${left + plotW + 14}" y="${ly + 32}" fill="#444">or errors)</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
