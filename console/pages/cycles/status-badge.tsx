const WORDS: Record<string, string> = {
  retrying: 'Retrying',
  paused: 'Paused',
  collected: 'Collected',
  stopped: 'Stopped',
  removed: 'Removed',
  error: 'Error',
};

/** A cycle's status group as a word and a colour; the exact status is in the title. */
export function StatusBadge(props: { group: string; status: string }) {
  return (
    <span class={`badge ${props.group}`} title={props.status}>
      {WORDS[props.group] ?? props.group}
    </span>
  );
}

export const STATUS_GROUP_WORDS = WORDS;
