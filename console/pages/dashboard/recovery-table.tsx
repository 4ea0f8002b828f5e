import { money, percent } from '../../format';

export interface RecoveryRow {
  key: string;
  cells: string[];
  attempts: number;
  successful: number;
  success_rate: string | null;
  amount_recovered: Record<string, string>;
}

/** Attempts, success rate and amount recovered per row (a label, or a decline code and its label). */
export function RecoveryTable(props: {
  caption: string;
  headers: string[];
  rows: RecoveryRow[];
  empty: string;
}) {
  if (props.rows.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            {props.headers.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
            <th scope="col" class="num">
              Attempts
            </th>
            <th scope="col" class="num">
              Successful
            </th>
            <th scope="col" class="num">
              Success rate
            </th>
            <th scope="col" class="num">
              Recovered
            </th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r.key}>
              {r.cells.map((c, i) => (
                <td key={i}>{c}</td>
              ))}
              <td class="num">{r.attempts}</td>
              <td class="num">{r.successful}</td>
              <td class="num">{percent(r.success_rate)}</td>
              <td class="num">
                {Object.keys(r.amount_recovered).length === 0
                  ? '—'
                  : Object.entries(r.amount_recovered).map(([cur, amt]) => (
                      <div key={cur}>{money(amt, cur)}</div>
                    ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
