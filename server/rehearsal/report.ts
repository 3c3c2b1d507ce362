// The rehearsal report: per site pass / fail / absent with every check, totals, and when the
// last site passed. As JSON for the API, CSV for a spreadsheet (its reasons in English, for
// whoever reads the log too), and a printable page in Vietnamese: each check's code worded by
// contract/checks.ts, warnings apart from failures.
import type { Roster } from '../../config/roster.js';
import { checkText, checkTitle, isCheckCode } from '../../contract/checks.js';
import type { RehearsalResult, Session } from '../../store/records.js';
import { formatInZone } from '../schedule/zone.js';

export interface Report {
  sessionId: string;
  title: string;
  kind: Session['kind'];
  startsAt: string;
  sessionStatus: Session['status'];
  status: 'running' | 'complete';
  totals: { pass: number; fail: number; absent: number };
  lastPassAt: string | null;
  sites: {
    siteId: string;
    name: string;
    region: string;
    result: 'pass' | 'fail' | 'absent';
    checkedAt: string | null;
    checks: RehearsalResult['checks'];
  }[];
}

export function buildReport(session: Session, results: readonly RehearsalResult[], roster: Roster): Report {
  const byId = new Map(results.map((r) => [r.siteId, r]));
  const sites = session.siteIds.map((siteId) => {
    const r = byId.get(siteId);
    const site = roster.get(siteId);
    return {
      siteId,
      name: site?.name ?? siteId,
      region: site?.region ?? '',
      result: r?.result ?? ('absent' as const),
      checkedAt: r?.updatedAt ?? null,
      checks: r?.checks ?? [],
    };
  });
  const totals = { pass: 0, fail: 0, absent: 0 };
  for (const s of sites) totals[s.result]++;
  const passes = sites.filter((s) => s.result === 'pass' && s.checkedAt).map((s) => s.checkedAt as string);
  const over = session.status !== 'open' && session.status !== 'scheduled';
  const allChecked = sites.every((s) => byId.get(s.siteId)?.result === 'pass' || byId.get(s.siteId)?.result === 'fail');
  return {
    sessionId: session.id,
    title: session.title,
    kind: session.kind,
    startsAt: session.startsAt,
    sessionStatus: session.status,
    status: over || allChecked ? 'complete' : 'running',
    totals,
    lastPassAt: passes.sort().at(-1) ?? null,
    sites,
  };
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

export function reportCsv(report: Report): string {
  const names = [...new Set(report.sites.flatMap((s) => s.checks.map((c) => c.name)))];
  const header = [
    'site_id',
    'name',
    'region',
    'result',
    'checked_at',
    ...names.flatMap((n) => [`${n}_pass`, `${n}_value`]),
    'failed_reasons',
  ];
  const rows = report.sites.map((s) => {
    const cells: unknown[] = [s.siteId, s.name, s.region, s.result, s.checkedAt];
    for (const n of names) {
      const c = s.checks.find((x) => x.name === n);
      cells.push(c ? (c.pass ? 'yes' : 'no') : '', c?.value ?? '');
    }
    cells.push(
      s.checks
        .filter((c) => !c.pass)
        .map((c) => `${c.name}: ${c.reason}`)
        .join('; '),
    );
    return cells.map(csvCell).join(',');
  });
  // A BOM so spreadsheet programs read the Vietnamese names as UTF-8.
  return `\uFEFF${[header.join(','), ...rows].join('\r\n')}\r\n`;
}

const esc = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const resultVi = { pass: 'Đạt', fail: 'Không đạt', absent: 'Vắng mặt' } as const;

type Check = RehearsalResult['checks'][number];

/** A check in Vietnamese: its code's words, or the stored English reason for a check older than codes. */
const checkVi = (c: Check) =>
  `${esc(checkTitle(c.name, 'vi'))}: ${esc(c.code && isCheckCode(c.code) ? checkText(c.code, c.params ?? {}, 'vi') : c.reason)}`;
const severity = (c: Check) => c.severity ?? (c.pass ? 'ok' : 'fail');

export function reportHtml(report: Report, timeZone: string): string {
  const rows = report.sites
    .map((s) => {
      const failed = s.checks.filter((c) => severity(c) === 'fail').map(checkVi);
      const notes = s.checks
        .filter((c) => severity(c) === 'warn')
        .map((c) => `<span class="note">Lưu ý — ${checkVi(c)}</span>`);
      const detail =
        s.result === 'absent'
          ? 'Không kết nối trong buổi kiểm tra'
          : [...failed, ...notes].join('<br>') || 'Tất cả các mục đạt';
      return `<tr class="${s.result}"><td>${esc(s.name)}</td><td>${resultVi[s.result]}</td><td>${detail}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Báo cáo kiểm tra kết nối — ${esc(report.title)}</title>
<style>
body{font-family:"Noto Sans",Arial,sans-serif;margin:2em;color:#111}
h1{font-size:1.4em;margin:0 0 .3em}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #999;padding:4px 6px;text-align:left;vertical-align:top}
tr.fail td:nth-child(2){color:#b00;font-weight:bold}
tr.absent td:nth-child(2){color:#777}
tr.pass td:nth-child(2){color:#070}
.note{color:#8a5a00}
@media print{body{margin:1cm}}
</style></head><body>
<h1>Báo cáo kiểm tra kết nối</h1>
<p>${esc(report.title)} — bắt đầu ${esc(formatInZone(report.startsAt, timeZone))}.
Trạng thái: ${report.status === 'complete' ? 'đã hoàn tất' : 'đang kiểm tra'}.</p>
<p><strong>Đạt: ${report.totals.pass}</strong> · <strong>Không đạt: ${report.totals.fail}</strong> · <strong>Vắng mặt: ${report.totals.absent}</strong>${report.lastPassAt ? ` · Điểm cầu cuối cùng đạt lúc ${esc(formatInZone(report.lastPassAt, timeZone))}` : ''}</p>
<table><thead><tr><th>Điểm cầu</th><th>Kết quả</th><th>Chi tiết cần khắc phục</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>
`;
}
