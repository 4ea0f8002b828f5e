import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso/router';
import { api, messageOf, setSessionHooks } from './api/client';
import { Layout } from './components/layout';
import { CyclePage } from './pages/cycle';
import { CyclesPage } from './pages/cycles';
import { DashboardPage } from './pages/dashboard';
import { NotFoundPage } from './pages/not-found';
import { RulesPage } from './pages/rules';
import { SignInPage } from './pages/sign-in';
import { type Session, SessionContext, sessionOf } from './session';

/** The server's answer when the request carried no session cookie at all (api/auth.ts). */
const NOT_SIGNED_IN = 'Not signed in';

type Gate =
  | { state: 'loading' }
  | { state: 'signed-out'; message?: string }
  | { state: 'in'; session: Session };

function Pages() {
  const { path } = useLocation();
  useEffect(() => {
    // A new page starts at its top, with the keyboard focus on its heading.
    window.scrollTo(0, 0);
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [path]);
  return (
    <Router>
      <Route path="/console" component={DashboardPage} />
      <Route path="/console/cycles" component={CyclesPage} />
      <Route path="/console/cycles/:id" component={CyclePage} />
      <Route path="/console/rules" component={RulesPage} />
      <Route default component={NotFoundPage} />
    </Router>
  );
}

export function App() {
  const [gate, setGate] = useState<Gate>({ state: 'loading' });

  const ended = useCallback((message: string) => setGate({ state: 'signed-out', message }), []);
  const csrf = gate.state === 'in' ? gate.session.csrfToken : null;
  useEffect(() => setSessionHooks({ csrf: () => csrf, ended }), [csrf, ended]);

  useEffect(() => {
    // The HttpOnly cookie may still hold a session from before a reload: ask the server.
    void api.GET('/api/v1/session').then(({ data, error }) => {
      if (data) return setGate({ state: 'in', session: sessionOf(data) });
      // A cookie the server no longer honours (expired, signed out elsewhere, token revoked) says
      // why; a browser that simply never signed in gets the plain form.
      const message = messageOf(error, '');
      setGate({ state: 'signed-out', ...(message && message !== NOT_SIGNED_IN ? { message } : {}) });
    });
  }, []);

  // The server ends the session at its expiry; the page follows at the same moment.
  useEffect(() => {
    if (gate.state !== 'in' || gate.session.expiresAt === null) return;
    const left = Date.parse(gate.session.expiresAt) - Date.now();
    const timer = setTimeout(() => ended('Your session has expired; sign in again'), Math.max(left, 0));
    return () => clearTimeout(timer);
  }, [gate, ended]);

  const signOut = useCallback(async () => {
    await api.DELETE('/api/v1/session');
    setGate({ state: 'signed-out', message: 'You are signed out.' });
  }, []);
  const control = useMemo(
    () => (gate.state === 'in' ? { session: gate.session, signOut } : null),
    [gate, signOut],
  );

  if (gate.state === 'loading') return <p class="loading">Loading…</p>;
  if (gate.state === 'signed-out' || !control) {
    return (
      <SignInPage
        message={gate.state === 'signed-out' ? gate.message : undefined}
        onSignedIn={(session) => setGate({ state: 'in', session })}
      />
    );
  }
  return (
    <SessionContext.Provider value={control}>
      <LocationProvider>
        <Layout>
          <Pages />
        </Layout>
      </LocationProvider>
    </SessionContext.Provider>
  );
}
