import { raw } from './safe-html';

/** The page's only stylesheet, inline. System fonts only: the page must open with no network. */
export const STYLES = raw(`
:root {
  --ink: #1d2330; --muted: #5d6676; --faint: #8a93a3; --line: #e3e6eb; --grid: #edf0f3;
  --paper: #ffffff; --page: #f4f5f8;
  --production: #3e6fb0; --candidate: #e0761b; --canary: #e0761b; --agreement: #0f7f72;
  --baseline: #6b7588; --limit: #c2372f;
  --met: #1d7f46; --met-bg: #e7f4ec; --violated: #b42525; --violated-bg: #fbe9e8;
  --undecided: #a45c05; --undecided-bg: #fdf2df; --na: #737b89; --na-bg: #eff1f4;
  color-scheme: light;
}
* { box-sizing: border-box; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--page); color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", "DejaVu Sans", Arial, sans-serif;
  font-variant-numeric: tabular-nums;
}
main { max-width: 1080px; margin: 0 auto; padding: 28px 24px 40px; }
header.page { display: flex; justify-content: space-between; align-items: baseline; gap: 16px; flex-wrap: wrap; margin-bottom: 14px; }
h1 { font-size: 20px; margin: 0; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 16px; margin: 34px 0 4px; font-weight: 650; }
h3 { font-size: 14px; margin: 0 0 6px; font-weight: 620; }
.section-lead { color: var(--muted); margin: 0 0 12px; max-width: 75ch; }
.meta { color: var(--muted); font-size: 12.5px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace; font-size: 0.92em; }

/* Verdict */
.verdict { border-radius: 12px; padding: 18px 22px 16px; border: 1px solid; border-left-width: 8px; }
.verdict.PROMOTE { background: var(--met-bg); border-color: var(--met); }
.verdict.CONTINUE { background: var(--undecided-bg); border-color: #d98a1c; }
.verdict.REJECT { background: var(--violated-bg); border-color: var(--violated); }
.verdict.INVALID { background: #f1ecf7; border-color: #6b3fa0; }
.verdict .experiment { margin: 6px 0 0; font-size: 0.92em; }
.verdict-head { display: flex; align-items: center; gap: 16px; flex-wrap: wrap; }
.decision { font-size: 24px; font-weight: 800; letter-spacing: 0.06em; padding: 3px 14px; border-radius: 8px; color: #fff; }
.PROMOTE .decision { background: var(--met); }
.CONTINUE .decision { background: #c17410; }
.REJECT .decision { background: var(--violated); }
.INVALID .decision { background: #6b3fa0; }
.headline { font-size: 17px; font-weight: 620; }
.versus { color: var(--muted); margin-top: 2px; }
.verdict ul.reasons { margin: 12px 0 0; padding-left: 20px; }
.verdict ul.reasons li { margin: 3px 0; }
.verdict .reason-name { font-weight: 620; }
.needed { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 12px; align-items: center; }
.needed .label { color: var(--muted); font-size: 12.5px; }
.chip { background: rgba(255,255,255,0.75); border: 1px solid rgba(0,0,0,0.08); border-radius: 999px; padding: 2px 10px; font-size: 12.5px; }
.chip strong { font-weight: 650; }
.alarms { margin-top: 12px; padding: 8px 12px; border-radius: 8px; font-size: 13px; }
.alarms.firing { background: var(--violated); color: #fff; }
.alarms.quiet { background: rgba(255,255,255,0.6); color: var(--muted); }
.alarms ul { margin: 4px 0 0; padding-left: 20px; }

/* Key figures */
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin-top: 16px; }
.tile { background: var(--paper); border: 1px solid var(--line); border-radius: 10px; padding: 12px 13px; position: relative; min-width: 0; }
.tile .name { color: var(--muted); font-size: 12px; font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; display: flex; align-items: center; gap: 6px; }
.tile .value { font-size: 22px; font-weight: 680; margin-top: 2px; letter-spacing: -0.01em; white-space: nowrap; }
.tile .sub { color: var(--muted); font-size: 12px; }
.dot { width: 8px; height: 8px; border-radius: 50%; display: inline-block; background: var(--na); }
.dot.met { background: var(--met); } .dot.violated { background: var(--violated); } .dot.undecided { background: #d98a1c; }

/* Cards and figures */
.card { background: var(--paper); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px 12px; margin: 0; }
.grid-2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
.stack { display: grid; gap: 16px; }
figure figcaption { color: var(--muted); font-size: 12.5px; margin-top: 6px; }
svg.chart { display: block; width: 100%; height: auto; overflow: visible; }
svg.chart text { font-family: inherit; fill: var(--muted); font-size: 11px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12.5px; color: var(--muted); margin-bottom: 6px; }
.key { display: inline-flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
.swatch.line { height: 3px; border-radius: 2px; width: 16px; }
.swatch.dash { height: 0; border-top: 2px dashed; width: 16px; border-radius: 0; background: none !important; }
.swatch.production { background: var(--production); border-color: var(--production); }
.swatch.candidate, .swatch.canary { background: var(--candidate); border-color: var(--candidate); }
.swatch.agreement { background: var(--agreement); border-color: var(--agreement); }
.swatch.baseline { background: var(--baseline); border-color: var(--baseline); }
.swatch.limit { background: var(--limit); border-color: var(--limit); }
.empty { border: 1px dashed #cfd4dc; border-radius: 8px; padding: 26px 16px; text-align: center; color: var(--muted); background: #fafbfc; }

/* Chart marks */
.grid line { stroke: var(--grid); stroke-width: 1; }
.axis { stroke: #b7bec9; stroke-width: 1; }
svg.chart text.axis-title { fill: var(--faint); font-size: 11px; }
svg.chart text.panel-title { fill: var(--ink); font-size: 13px; font-weight: 650; }
svg.chart .panel-sub { fill: var(--muted); font-weight: 400; font-size: 12px; }
svg.chart .swatch-text.production { fill: var(--production); }
svg.chart .swatch-text.candidate, svg.chart .swatch-text.canary { fill: var(--candidate); }
.bar.production { fill: var(--production); }
.bar.candidate { fill: var(--candidate); }
.bar.reason-bar { fill: #9aa7bb; }
.marker line { stroke: var(--ink); stroke-width: 1; stroke-dasharray: 3 3; opacity: 0.75; }
svg.chart .marker text { fill: var(--ink); font-size: 11px; }
svg.chart .marker-name { font-weight: 700; }
.limit line { stroke: var(--limit); stroke-width: 1.5; stroke-dasharray: 6 4; }
svg.chart .limit text { fill: var(--limit); font-size: 11px; font-weight: 600; }
.reference.limit line { stroke: var(--limit); }
.reference.baseline line { stroke: var(--baseline); stroke-width: 1.5; stroke-dasharray: 2 3; }
svg.chart .reference.baseline text { fill: var(--baseline); }
svg.chart .reference text { font-weight: 400; }
svg.chart .reference-name { font-weight: 650; }
.band { stroke: none; opacity: 0.16; }
.band.production { fill: var(--production); } .band.candidate { fill: var(--candidate); } .band.agreement { fill: var(--agreement); }
.band-whisker { fill: none; stroke-width: 1.5; opacity: 0.45; }
.band-whisker.production { stroke: var(--production); } .band-whisker.candidate { stroke: var(--candidate); } .band-whisker.agreement { stroke: var(--agreement); }
.line { fill: none; stroke-width: 2; stroke-linejoin: round; stroke-linecap: round; }
.line.production { stroke: var(--production); } .line.candidate { stroke: var(--candidate); } .line.agreement { stroke: var(--agreement); }
.point { stroke: #fff; stroke-width: 1; }
.point.production { fill: var(--production); } .point.candidate, .point.canary { fill: var(--candidate); } .point.agreement { fill: var(--agreement); }
.point.difference { fill: var(--ink); }
.whisker { fill: none; stroke-width: 2; stroke-linecap: round; }
.whisker.production { stroke: var(--production); } .whisker.candidate, .whisker.canary { stroke: var(--candidate); } .whisker.difference { stroke: var(--ink); }
.zero { stroke: #9aa3b0; stroke-width: 1; }
svg.chart text.row-label { fill: var(--ink); font-size: 12.5px; font-weight: 600; }
svg.chart text.reason-label { fill: var(--ink); font-size: 12px; }
svg.chart text.row-sub { fill: var(--muted); font-size: 11px; }
svg.chart text.value-label { fill: var(--ink); font-size: 11px; font-weight: 600; }
svg.chart text.no-data { fill: var(--faint); font-size: 12px; font-style: italic; }

/* Guardrails */
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
tbody tr:last-child td, tbody tr:last-child th { border-bottom: none; }
td.num, th.num { text-align: right; white-space: nowrap; }
.guardrails td.evidence { width: 256px; min-width: 256px; padding-top: 4px; padding-bottom: 4px; }
.guardrails td.evidence svg { width: 240px; }
.guardrails .measure { color: var(--muted); font-size: 12px; }
.guardrails td.guardrail-name { min-width: 210px; }
.guardrails .more-needed { color: var(--undecided); font-size: 12.5px; font-weight: 600; }
.guardrails td.num .ci { white-space: normal; }
.guardrails .measure code { font-size: 11px; }
.pill { display: inline-block; font-size: 12px; font-weight: 650; padding: 1px 9px; border-radius: 999px; white-space: nowrap; }
.pill.met { color: var(--met); background: var(--met-bg); }
.pill.violated { color: #fff; background: var(--violated); }
.pill.undecided { color: var(--undecided); background: var(--undecided-bg); }
.pill.not_applicable { color: var(--na); background: var(--na-bg); }
.pass-zone { fill: var(--met-bg); }
.threshold { stroke: var(--ink); stroke-width: 1.5; }
.track { fill: var(--grid); }
.interval, .progress { fill: var(--na); }
.interval.met, .progress.met { fill: var(--met); } .interval.violated { fill: var(--violated); } .interval.undecided, .progress.undecided { fill: #d98a1c; }
.estimate { stroke: #fff; stroke-width: 1.5; fill: var(--ink); }
.estimate.violated { fill: var(--violated); }
.open-bound { fill: var(--faint); }
svg.chart text.bar-note { font-size: 10.5px; fill: var(--muted); }
.table-card { padding: 4px 8px; overflow-x: auto; }
.stats td, .stats th { padding: 6px 10px; }
.stats .row-name { font-weight: 600; white-space: nowrap; }
.stats .row-name .ci { font-weight: 400; }
.agreement-summary .row-name, .agreement-summary .ci { white-space: normal; }
.ci { color: var(--muted); font-size: 12px; white-space: nowrap; }
details { margin-top: 8px; font-size: 12.5px; }
details summary { cursor: pointer; color: var(--muted); }
details table td, details table th { padding: 3px 8px; font-size: 12px; }

/* Footer */
footer { margin-top: 36px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line); padding-top: 14px; }
footer dl { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0 0 10px; }
footer dt { font-weight: 600; color: var(--ink); }
footer dd { margin: 0; }
footer p { margin: 6px 0; max-width: 90ch; }

@media (max-width: 720px) { main { padding: 16px 12px; } .grid-2 { grid-template-columns: 1fr; } .guardrails td.evidence { width: auto; } }
@media print {
  @page { margin: 14mm; }
  body { background: #fff; font-size: 11.5px; }
  main { max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .card, .tile { box-shadow: none; break-inside: avoid; }
  figure, .verdict, table, tr { break-inside: avoid; }
  h2 { break-after: avoid; }
  details { display: none; }
  .grid-2 { grid-template-columns: 1fr; }
  .table-card { overflow: visible; padding: 0; }
  th, td { padding: 5px 6px; }
  .ci, .stats .row-name, td.num, th.num { white-space: normal; }
  th { font-size: 10px; }
  .guardrails td.guardrail-name { min-width: 0; }
  .guardrails td.evidence { width: 190px; min-width: 0; }
  .guardrails td.evidence svg { width: 180px; }
}
svg.chart .rollout-share { stroke: var(--canary); stroke-width: 2.5; }
svg.chart .transition circle { fill: var(--production); stroke: #fff; stroke-width: 1.5; }
svg.chart .transition.bad circle { fill: #b42318; }
svg.chart .transition.good circle { fill: var(--agreement); }
svg.chart .transition text { font-size: 11px; fill: var(--ink, #1f2933); }
`);
