// A site's rehearsal checks in the board's words: the code and parameters the server stored,
// worded by contract/checks.ts in Vietnamese or English (a check stored before codes existed
// keeps its English reason). Failures first; warnings (passed, with something worth telling)
// after them, marked as notes, so they do not read as failures.
import { type CheckSeverity, checkText, checkTitle, isCheckCode } from '../../contract/checks.js';
import type { CheckView } from './api.js';
import { lang, t } from './i18n.js';

export const severityOf = (c: CheckView): CheckSeverity => c.severity ?? (c.pass ? 'ok' : 'fail');

export function checkWords(c: CheckView): string {
  return c.code && isCheckCode(c.code) ? checkText(c.code, c.params ?? {}, lang.value) : c.reason;
}

/** The checks worth reading (failures, then warnings); nothing when every check is plainly ok. */
export interface CheckListProps {
  readonly checks: readonly CheckView[];
  readonly class: string;
}

export function CheckList({ checks, class: className }: CheckListProps) {
  const shown = [...checks.filter((c) => severityOf(c) === 'fail'), ...checks.filter((c) => severityOf(c) === 'warn')];
  if (!shown.length) return null;
  return (
    <ul class={className}>
      {shown.map((c) => {
        const severity = severityOf(c);
        return (
          <li data-check={c.name} data-severity={severity} key={c.name}>
            {severity === 'warn' ? <span class="check-note">{t('check.note')}</span> : null}
            {severity === 'warn' ? ' ' : null}
            <strong>{`${checkTitle(c.name, lang.value)}: `}</strong>
            <span>{checkWords(c)}</span>
          </li>
        );
      })}
    </ul>
  );
}
