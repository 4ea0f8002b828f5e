type Trend = 'up' | 'down' | 'neutral' | null;

const ARROWS = { up: '↑', down: '↓', neutral: '→' } as const;

/** A number as a person reads it: the value, and which way it moved in 30 days (and whether that is good). */
export function MetricCard(props: {
  label: string;
  value: string | null;
  unit: string;
  trend: Trend;
  /** Whether "up" is good news (a success rate) or bad (days outstanding). */
  upIsGood: boolean;
  hint: string;
}) {
  const good =
    props.trend === 'neutral' || props.trend === null ? null : (props.trend === 'up') === props.upIsGood;
  return (
    <div class="card" data-metric={props.label}>
      <div class="label">{props.label}</div>
      <div class="value">{props.value === null ? '—' : `${props.value}${props.unit}`}</div>
      <div class={good === null ? 'muted' : good ? 'trend-up' : 'trend-down'}>
        {props.trend === null
          ? 'no trend yet'
          : `${ARROWS[props.trend]} ${props.trend === 'neutral' ? 'unchanged' : props.trend} against 30 days ago`}
      </div>
      <div class="muted">{props.hint}</div>
    </div>
  );
}
