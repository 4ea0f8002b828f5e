import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso/router';
import { useSession } from '../session';

const NAV = [
  { href: '/console', label: 'Dashboard' },
  { href: '/console/cycles', label: 'Cycles' },
  { href: '/console/rules', label: 'Rules' },
];

export function Layout(props: { children: ComponentChildren }) {
  const { session, signOut } = useSession();
  const { path } = useLocation();
  const current = (href: string) =>
    href === '/console' ? path === '/console' || path === '/console/' : path.startsWith(href);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">payment-retry</span>
        <nav aria-label="Main">
          {NAV.map((n) => (
            <a key={n.href} href={n.href} aria-current={current(n.href) ? 'page' : undefined}>
              {n.label}
            </a>
          ))}
          <a href="/docs">API docs</a>
        </nav>
        <span class="who">
          <span>{session.email}</span>
          <span class={`role role-${session.role}`}>{session.role}</span>
          <button type="button" class="link" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main">{props.children}</main>
    </>
  );
}
