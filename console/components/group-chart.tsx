// Document success rate per customer group over the last 6 months: one line per group, 0–100 %.
// Drawn as SVG by hand (about 60 lines): a chart library would be most of the bundle for one chart.

const PALETTE = ['#1f5fbf', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#4d7c0f'];

export interface GroupSeries {
  id: string;
  name: string;
  /** Oldest month first: [label "MM_YY", rate or null]. */
  points: [string, number | null][];
}

const W = 720;
const H = 260;
const PAD = { left: 44, right: 16, top: 16, bottom: 36 };

export function GroupChart(props: { series: GroupSeries[] }) {
  const months = props.series[0]?.points.map(([m]) => m) ?? [];
  const x = (i: number) => PAD.left + (i * (W - PAD.left - PAD.right)) / Math.max(months.length - 1, 1);
  const y = (rate: number) => PAD.top + ((100 - rate) * (H - PAD.top - PAD.bottom)) / 100;
  const monthLabel = (m: string) => {
    const [mm, yy] = m.split('_');
    return new Date(Date.UTC(2000 + Number(yy), Number(mm) - 1, 1)).toLocaleDateString(undefined, {
      month: 'short',
      year: '2-digit',
      timeZone: 'UTC',
    });
  };
  const summary = props.series
    .map((s) => `${s.name}: ${s.points.map(([m, r]) => `${monthLabel(m)} ${r ?? 'no data'}`).join(', ')}`)
    .join('; ');
  return (
    <figure>
      <svg
        class="chart"
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={`Document success rate by month. ${summary}`}
      >
        {[0, 25, 50, 75, 100].map((r) => (
          <g key={r}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(r)} y2={y(r)} stroke="#e3e7ec" />
            <text x={PAD.left - 8} y={y(r) + 4} text-anchor="end">
              {r}%
            </text>
          </g>
        ))}
        {months.map((m, i) => (
          <text key={m} x={x(i)} y={H - 12} text-anchor="middle">
            {monthLabel(m)}
          </text>
        ))}
        {props.series.map((s, si) => {
          const color = PALETTE[si % PALETTE.length] as string;
          const segments: string[] = [];
          let open = false;
          s.points.forEach(([, r], i) => {
            if (r === null) {
              open = false;
              return;
            }
            segments.push(`${open ? 'L' : 'M'}${x(i).toFixed(1)},${y(r).toFixed(1)}`);
            open = true;
          });
          return (
            <g key={s.id}>
              <path d={segments.join(' ')} fill="none" stroke={color} stroke-width="2.5" />
              {s.points.map(([m, r], i) =>
                r === null ? null : (
                  <circle key={m} cx={x(i)} cy={y(r)} r="4" fill={color}>
                    <title>{`${s.name}, ${monthLabel(m)}: ${r.toFixed(2)} %`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      <figcaption class="legend">
        {props.series.map((s, si) => (
          <span key={s.id}>
            <span class="swatch" style={{ background: PALETTE[si % PALETTE.length] }} />
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** The API's `{ "MM_YY": rate }` (newest first) as points oldest first. */
export function pointsOf(byMonth: Record<string, string | null>): [string, number | null][] {
  return Object.entries(byMonth)
    .map(([m, r]): [string, number | null] => [m, r === null ? null : Number(r)])
    .sort(([a], [b]) => {
      const [am = '', ay = ''] = a.split('_');
      const [bm = '', by = ''] = b.split('_');
      return ay === by ? am.localeCompare(bm) : ay.localeCompare(by);
    });
}
