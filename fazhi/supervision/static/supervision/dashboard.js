// The supervision dashboard's charts (Chart.js, served by the app). The figures come from the
// page's JSON block (#dashboard-data); a click on a bar or a point opens the records behind it.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("dashboard-data");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);

  const open = (urls) => (_event, elements) => {
    if (!elements.length) return;
    const { datasetIndex, index } = elements[0];
    const url = Array.isArray(urls[0]) ? urls[datasetIndex][index] : urls[index];
    if (url) window.location.assign(url);
  };
  const pointer = (event, elements) => {
    event.native.target.style.cursor = elements.length ? "pointer" : "default";
  };
  const integerAxis = { beginAtZero: true, ticks: { precision: 0 } };

  const levels = document.getElementById("chart-levels");
  if (levels) {
    new Chart(levels, {
      type: "bar",
      data: {
        labels: data.levels.labels,
        datasets: [{ data: data.levels.counts, backgroundColor: data.levels.colours }],
      },
      options: {
        plugins: { legend: { display: false } },
        scales: { y: integerAxis },
        onClick: open(data.levels.urls),
        onHover: pointer,
      },
    });
  }

  const units = document.getElementById("chart-units");
  if (units) {
    new Chart(units, {
      type: "bar",
      data: {
        labels: data.units.labels,
        datasets: data.units.series.map((s) => ({
          label: s.label,
          data: s.counts,
          backgroundColor: s.colour,
        })),
      },
      options: {
        scales: { x: { stacked: true }, y: { ...integerAxis, stacked: true } },
        onClick: open(data.units.series.map((s) => s.urls)),
        onHover: pointer,
      },
    });
  }

  const trend = document.getElementById("chart-trend");
  if (trend) {
    new Chart(trend, {
      type: "line",
      data: {
        labels: data.trend.labels,
        datasets: [
          {
            label: data.trend.label,
            data: data.trend.values,
            borderColor: "#0d6efd",
            backgroundColor: "#0d6efd",
            spanGaps: false,
          },
        ],
      },
      options: {
        scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } },
        onClick: open(data.trend.urls),
        onHover: pointer,
      },
    });
  }
});
