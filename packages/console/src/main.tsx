import { isCreditsError } from '@credits/client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Router } from 'wouter';
import { App } from './app';
import { AuthProvider, REFUSED_EVENT, restoreSession } from './lib/api';
import './styles.css';

const refused = (error: unknown) => {
  if (isCreditsError(error) && error.code === 'UNAUTHORIZED') window.dispatchEvent(new Event(REFUSED_EVENT));
};

const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: refused }),
  mutationCache: new MutationCache({ onError: refused }),
  defaultOptions: {
    // The SDK retries network errors and 5xx itself; a 4xx would fail the same way again.
    queries: { retry: false, staleTime: 5_000 },
  },
});

const session = await restoreSession();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <AuthProvider initial={session}>
        <Router base="/console">
          <App />
        </Router>
      </AuthProvider>
    </QueryClientProvider>
  </StrictMode>,
);
