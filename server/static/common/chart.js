// A horizontal bar chart as inline SVG: readable on a phone, no library, no network.

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

function clip(label, max = 9) {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

// rows: [{label, value, text}] with value in [0, max]; text is what is printed after the bar.
export function barChart(rows, { title, max, color = "#0b57d0" } = {}) {
  const width = 340;
  const labelWidth = 116;
  const textWidth = 64;
  const barArea = width - labelWidth - textWidth;
  const rowHeight = 26;
  const top = 4;
  const height = top + rows.length * rowHeight + 4;
  const top_value = max ?? Math.max(1, ...rows.map((r) => r.value || 0));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img",
    "aria-label": title || "图表" });
  if (title) chart.append(svg("title", {}, title));
  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    const w = Math.max(0, Math.round((barArea * (row.value || 0)) / top_value));
    const g = svg("g");
    g.append(svg("text", { x: labelWidth - 6, y: y + 17, "text-anchor": "end" }, clip(row.label || "（未填）")));
    g.append(svg("rect", { x: labelWidth, y: y + 4, width: barArea, height: 18, fill: "#e6e8ee", rx: 3 }));
    g.append(svg("rect", { x: labelWidth, y: y + 4, width: w, height: 18, fill: color, rx: 3 }));
    g.append(svg("text", { x: labelWidth + barArea + 4, y: y + 17 }, row.text ?? String(row.value)));
    chart.append(g);
  });
  return chart;
}
