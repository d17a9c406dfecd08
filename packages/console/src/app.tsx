import { useIsFetching } from '@tanstack/react-query';
import type { ComponentType } from 'react';
import { Link, Redirect, Route, Switch, useRoute } from 'wouter';
import { type Session, useAuth } from './lib/api';
import { ApiKeysPage } from './pages/api-keys';
import { OverviewPage } from './pages/overview';
import { ProgramsPage } from './pages/programs';
import { SchemaChangesPage } from './pages/schema-changes';
import { SignInPage } from './pages/sign-in';
import { MePage, UserPage } from './pages/user';
import { UsersPage } from './pages/users';
import { WebhooksPage } from './pages/webhooks';

interface Page {
  path: string;
  /** Its entry in the navigation; none for pages reached from another (a user). */
  nav?: string;
  component: ComponentType<{ params: Record<string, string> }>;
  /** Who may open it: what the service lets that principal call. */
  for: (s: Session) => boolean;
}

const operator = (s: Session) => s.operator;
const admin = (s: Session) => s.admin;

/**
 * Every page, one per area, with who sees it. A new area (buckets, holds) is a page
 * file and a line here.
 */
const PAGES: Page[] = [
  { path: '/', nav: 'Overview', component: OverviewPage, for: operator },
  { path: '/users', nav: 'Users', component: UsersPage, for: operator },
  { path: '/users/:id', component: UserPage as Page['component'], for: operator },
  { path: '/api-keys', nav: 'API keys', component: ApiKeysPage, for: admin },
  { path: '/programs', nav: 'Programs', component: ProgramsPage, for: admin },
  { path: '/webhooks', nav: 'Webhooks', component: WebhooksPage, for: admin },
  { path: '/schema', nav: 'Schema changes', component: SchemaChangesPage, for: admin },
  { path: '/me', nav: 'My credits', component: MePage, for: (s) => s.who.kind === 'user' },
];

export function App() {
  const { session, signOut } = useAuth();
  const fetching = useIsFetching();
  if (!session) return <SignInPage />;
  const pages = PAGES.filter((p) => p.for(session));
  const home = pages[0]!.path;

  return (
    <>
      <header className="top">
        <a className="skip" href="#main">
          Skip to content
        </a>
        <span className="brand">Credits</span>
        <nav aria-label="Main">
          <ul>
            {pages
              .filter((p) => p.nav)
              .map((p) => (
                <li key={p.path}>
                  <NavLink href={p.path} label={p.nav!} />
                </li>
              ))}
          </ul>
        </nav>
        <span className="who" data-testid="principal">
          {session.who.kind === 'user' ? `user #${session.who.userId}` : session.who.kind}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      {/* Busy while any read is in flight: assistive technology waits for the page to settle, and so do the browser tests (a page with the balance stream open is never network-idle). */}
      <main id="main" aria-busy={fetching > 0}>
        <Switch>
          {pages.map((p) => (
            <Route key={p.path} path={p.path} component={p.component} />
          ))}
          <Route>
            <Redirect to={home} />
          </Route>
        </Switch>
      </main>
    </>
  );
}

function NavLink({ href, label }: { href: string; label: string }) {
  const [exact] = useRoute(href);
  const [nested] = useRoute(`${href}/*`);
  const active = exact || (href !== '/' && nested);
  return (
    <Link href={href} aria-current={active ? 'page' : undefined}>
      {label}
    </Link>
  );
}
