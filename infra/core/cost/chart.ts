/**
 * The cost chart: monthly cost against requests per month (log axis), one line per deploy target, the user's volume
 * marked. A total with an unpriced line is drawn dashed and labelled "lower bound (a line has no price)": the same
 * marking as the table's `≥ $x †`. Rendered to SVG with vega-lite and vega's headless SVG renderer (no browser, no
 * native canvas).
 */
import type { TargetCost } from "./model.js";

/** Legend values of the dash encoding. */
export const CHART_COMPLETE = "complete";
export const CHART_LOWER_BOUND = "lower bound (a line has no price)";

export interface ChartPoint {
  requestsPerMonth: number;
  target: string;
  monthlyUsd: number;
  total: typeof CHART_COMPLETE | typeof CHART_LOWER_BOUND;
}

/** Log-spaced volumes from 10^4 to 10^9. */
export function chartVolumes(points = 61): number[] {
  return Array.from({ length: points }, (_, i) => 10 ** (4 + (5 * i) / (points - 1)));
}

/** @returns an SVG document. */
export async function renderCostChart(
  costsAt: (v: number) => TargetCost[],
  userVolume: number,
  title: string,
): Promise<string> {
  const vega = await import("vega");
  const vl = await import("vega-lite");
  const values: ChartPoint[] = chartVolumes().flatMap((v) =>
    costsAt(v).map((c) => ({
      requestsPerMonth: v,
      target: c.target,
      monthlyUsd: Math.max(c.monthlyUsd, 0.01),
      total: c.complete ? CHART_COMPLETE : CHART_LOWER_BOUND,
    })),
  );
  const spec = vl.compile({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: 640,
    height: 380,
    background: "white",
    layer: [
      {
        data: { values },
        mark: { type: "line", strokeWidth: 2 },
        encoding: {
          x: {
            field: "requestsPerMonth",
            type: "quantitative",
            scale: { type: "log" },
            title: "requests per month",
            axis: { format: "~s" },
          },
          y: { field: "monthlyUsd", type: "quantitative", scale: { type: "log" }, title: "USD per month (log)" },
          color: { field: "target", type: "nominal", title: "target", legend: { orient: "top-left" } },
          strokeDash: {
            field: "total",
            type: "nominal",
            title: "total",
            scale: {
              domain: [CHART_COMPLETE, CHART_LOWER_BOUND],
              range: [
                [1, 0],
                [6, 4],
              ],
            },
            legend: { orient: "bottom-right" },
          },
        },
      },
      {
        data: { values: [{ requestsPerMonth: userVolume, label: "your volume" }] },
        mark: { type: "rule", strokeDash: [4, 4], color: "#555" },
        encoding: { x: { field: "requestsPerMonth", type: "quantitative" } },
      },
      {
        data: { values: [{ requestsPerMonth: userVolume, label: "your volume" }] },
        mark: { type: "text", align: "left", dx: 4, dy: -170, color: "#555" },
        encoding: { x: { field: "requestsPerMonth", type: "quantitative" }, text: { field: "label" } },
      },
    ],
  }).spec;
  const view = new vega.View(vega.parse(spec), { renderer: "none" });
  return view.toSVG();
}
