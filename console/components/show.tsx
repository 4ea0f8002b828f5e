import type { ComponentChildren } from 'preact';
import type { Loaded } from './use-api';

/** Renders loaded data, or says that it is loading or why it failed. */
export function Show<T>(props: { value: Loaded<T>; what: string; children: (data: T) => ComponentChildren }) {
  if (props.value.state === 'loading') return <p class="muted">Loading {props.what}…</p>;
  if (props.value.state === 'error') {
    return (
      <p class="error" role="alert">
        Could not load {props.what}: {props.value.message}
      </p>
    );
  }
  return <>{props.children(props.value.data)}</>;
}
