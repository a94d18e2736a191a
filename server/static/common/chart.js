// A horizontal bar chart as inline SVG: no library, no network. It is drawn at its box's own width (again when
// the box changes size), so on a desk it fills the card and on a phone it fits, with labels at their real size.

const NS = "http://www.w3.org/2000/svg";
const FONT = 13; // px, as .chart text in base.css
const MIN_WIDTH = 300;

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

function clip(label, max) {
  return label.length > max ? `${label.slice(0, max - 1)}…` : label;
}

function draw(rows, { title, max, color }, width) {
  const labelWidth = Math.min(360, Math.max(116, Math.round(width * 0.3)));
  const textWidth = 72;
  const barArea = width - labelWidth - textWidth;
  const rowHeight = 28;
  const top = 4;
  const height = top + rows.length * rowHeight + 4;
  const topValue = max ?? Math.max(1, ...rows.map((r) => r.value || 0));
  const chars = Math.max(4, Math.floor((labelWidth - 8) / FONT)); // CJK characters are about 1 em wide
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img",
    "aria-label": title || "图表" });
  if (title) chart.append(svg("title", {}, title));
  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    const w = Math.max(0, Math.round((barArea * (row.value || 0)) / topValue));
    const label = row.label || "（未填）";
    const g = svg("g");
    const text = svg("text", { x: labelWidth - 6, y: y + 18, "text-anchor": "end" }, clip(label, chars));
    if (label.length > chars) text.append(svg("title", {}, label));
    g.append(text);
    g.append(svg("rect", { x: labelWidth, y: y + 5, width: barArea, height: 18, fill: "#e6e8ee", rx: 3 }));
    g.append(svg("rect", { x: labelWidth, y: y + 5, width: w, height: 18, fill: color, rx: 3 }));
    g.append(svg("text", { x: labelWidth + barArea + 4, y: y + 18 }, row.text ?? String(row.value)));
    chart.append(g);
  });
  return chart;
}

// rows: [{label, value, text}] with value in [0, max]; text is what is printed after the bar.
export function barChart(rows, { title, max, color = "#0b57d0" } = {}) {
  const box = document.createElement("div");
  box.className = "chart-box";
  let drawnAt = 0;
  const redraw = () => {
    const width = Math.max(MIN_WIDTH, Math.round(box.clientWidth || 340));
    if (width === drawnAt) return;
    drawnAt = width;
    box.replaceChildren(draw(rows, { title, max, color }, width));
  };
  redraw();
  if (typeof ResizeObserver !== "undefined") new ResizeObserver(redraw).observe(box);
  return box;
}
