// Charts of the overview page. Data comes from the page's JSON block (never executed);
// tooltips render as rich text because the CSP forbids the inline styles of HTML tooltips.
(() => {
  "use strict";
  const source = document.getElementById("chart-data");
  if (!source || !window.echarts) return;
  const charts = JSON.parse(source.textContent);
  const kinds = { stage: "bar", level: "pie", industry: "barh", months: "line" };
  const made = [];
  document.querySelectorAll("[data-chart]").forEach((el) => {
    const key = el.getAttribute("data-chart");
    const data = charts[key];
    if (!data) return;
    const kind = kinds[key] || "bar";
    const chart = window.echarts.init(el, null, { renderer: "svg" });
    const tooltip = { trigger: kind === "pie" ? "item" : "axis", renderMode: "richText" };
    let option;
    if (kind === "pie") {
      option = {
        tooltip,
        series: [{
          type: "pie",
          radius: ["40%", "70%"],
          data: data.labels.map((name, i) => ({ name, value: data.values[i] })),
          label: { formatter: "{b}\n{c}" },
        }],
      };
    } else if (kind === "barh") {
      option = {
        tooltip,
        grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: data.labels.slice().reverse() },
        series: [{ type: "bar", data: data.values.slice().reverse() }],
      };
    } else {
      option = {
        tooltip,
        grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
        // every label shown (the newest month included), slanted when there are many
        xAxis: {
          type: "category",
          data: data.labels,
          axisLabel: { interval: 0, rotate: data.labels.length > 6 ? 40 : 0 },
        },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: kind, data: data.values, smooth: kind === "line" }],
      };
    }
    chart.setOption({ animationDuration: 300, ...option });
    if (data.links && data.links.length) {
      chart.on("click", (params) => {
        const index = kind === "barh" ? data.labels.length - 1 - params.dataIndex : params.dataIndex;
        if (data.links[index]) window.location.assign(data.links[index]);
      });
    }
    made.push(chart);
  });
  window.addEventListener("resize", () => made.forEach((c) => c.resize()));
})();
