// Planning a briefing day from the schedule panel: the operator picks the day (and a title);
// the server sets the rehearsal at 16:30 the day before and the live session at 08:00, in its
// TIME_ZONE, which the hint names. Nothing is submitted as a form (the page's CSP forbids it):
// the API is called.
import { useBoard } from './context.js';
import { dayBefore, dmy, zoneDate, zoneName } from './format.js';
import { t } from './i18n.js';

export function PlanForm() {
  const { schedule } = useBoard();
  const date = schedule.date.value;
  const planning = schedule.planning.value;
  const o = schedule.planOutcome.value;
  // The day spelled out with both times: a date field may show the day month-first.
  const day = /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : '';
  const zone = zoneName();
  return (
    <form
      class="plan"
      autocomplete="off"
      onSubmit={(e) => {
        e.preventDefault();
        void schedule.plan();
      }}
    >
      <h3 class="section-heading">{t('plan.heading')}</h3>
      <div class="plan-fields">
        <label class="plan-field plan-date">
          <span>{t('plan.date')}</span>
          <input
            type="date"
            id="plan-date"
            name="date"
            required
            min={zoneDate()}
            value={date}
            onInput={(e) => {
              schedule.date.value = e.currentTarget.value;
            }}
          />
        </label>
        <label class="plan-field plan-title">
          <span>{t('plan.title')}</span>
          <input
            type="text"
            id="plan-title"
            name="title"
            maxLength={200}
            placeholder={t('plan.titlePlaceholder')}
            value={schedule.title.value}
            onInput={(e) => {
              schedule.title.value = e.currentTarget.value;
            }}
          />
        </label>
      </div>
      <div class="plan-submit">
        <p class="plan-hint">
          {day
            ? t('plan.when', { rehearsal: `16:30 ${dmy(dayBefore(day))}`, live: `08:00 ${dmy(day)}`, zone })
            : t('plan.hint', { zone })}
        </p>
        <button type="submit" class="primary" data-plan="submit" disabled={planning}>
          {t(planning ? 'plan.busy' : 'plan.submit')}
        </button>
      </div>
      <p class="plan-result" role="status" hidden={!o} data-ok={o ? String(o.ok) : undefined}>
        {o?.text()}
      </p>
    </form>
  );
}
