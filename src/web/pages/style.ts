// The one stylesheet, served as /static/style.css (the CSP allows styles from the server itself only, no inline).
export const STYLE_CSS = `
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg: #f6f8fa; --accent: #0969da; --ok: #1a7f37; --bad: #cf222e; --warn-bg: #fff8c5; --warn-line: #d4a72c; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink); background: var(--bg); }
header.top { display: flex; align-items: center; gap: 24px; padding: 10px 28px; background: #24292f; color: #fff; }
header.top a { color: #fff; text-decoration: none; }
header.top .brand { font-weight: 600; font-size: 16px; }
header.top nav { display: flex; gap: 16px; flex: 1; }
header.top .who { font-size: 13px; opacity: .9; display: flex; align-items: center; gap: 10px; }
header.top .who button { background: transparent; color: #fff; border: 1px solid #8c959f; border-radius: 6px; padding: 2px 10px; cursor: pointer; font: inherit; }
main { max-width: 1160px; margin: 24px auto; padding: 0 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 10px; }
.sub { color: var(--muted); margin: 0 0 18px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin-bottom: 16px; overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { white-space: nowrap; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); font-weight: 600; }
tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; overflow-wrap: normal; }
a { color: var(--accent); }
.muted { color: var(--muted); font-size: 13px; }
.facts { display: grid; grid-template-columns: 150px minmax(0, 1fr); gap: 4px 16px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: break-word; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; align-items: start; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #ddf4ff; color: #0550ae; }
.badge.off { background: #ffebe9; color: var(--bad); }
.badge.on { background: #dafbe1; color: var(--ok); }
.warning { background: var(--warn-bg); border: 1px solid var(--warn-line); border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; }
.notice { border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; border: 1px solid var(--line); background: #fff; }
.notice.ok { border-color: var(--ok); background: #dafbe1; }
.notice.bad { border-color: var(--bad); background: #ffebe9; }
.total td { font-weight: 600; }
form.decide { display: grid; gap: 10px; }
textarea { width: 100%; min-height: 64px; font: inherit; padding: 8px; border: 1px solid var(--line); border-radius: 6px; }
.buttons { display: flex; gap: 10px; }
button.primary, button.danger, a.button { font: inherit; font-weight: 600; border-radius: 6px; padding: 6px 16px; cursor: pointer; border: 1px solid; text-decoration: none; display: inline-block; }
button.primary, a.button { background: var(--ok); color: #fff; border-color: #116329; }
button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
.upn { overflow-wrap: break-word; }
td.person { min-width: 260px; }
.nowrap { white-space: nowrap; }
.spaced { margin-top: 16px; }
code { font-size: 12px; background: var(--bg); padding: 1px 4px; border-radius: 4px; word-break: break-all; }
.center { text-align: center; padding: 48px 20px; }
`;
