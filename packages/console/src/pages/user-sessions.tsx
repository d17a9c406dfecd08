import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Pager, usePager } from '../components/pager';
import { QueryStatus } from '../components/status';
import { useSession } from '../lib/api';
import { formatTime } from '../lib/format';
import { queries } from '../lib/queries';

/** A user's sessions, newest first; a session opens to its messages. */
export function SessionsSection({ userId }: { userId: number }) {
  const { client } = useSession();
  const pager = usePager(userId);
  const sessions = useQuery({ ...queries(client).sessions({ userId, limit: 10, ...(pager.cursor ? { cursor: pager.cursor } : {}) }), placeholderData: (previous) => previous });
  const [open, setOpen] = useState<string | null>(null);

  return (
    <section aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <QueryStatus query={sessions} what="sessions" />
      {sessions.data && (
        <>
          {sessions.data.items.length === 0 && <p className="muted">No sessions.</p>}
          <ul className="sessions">
            {sessions.data.items.map((s) => (
              <li key={s.sessionId}>
                <button type="button" aria-expanded={open === s.sessionId} onClick={() => setOpen(open === s.sessionId ? null : s.sessionId)}>
                  {s.title ?? 'Untitled'} · {s.status} · {s.messageCount} messages · {s.totalTokens} tokens · {formatTime(s.createdAt)}
                </button>
                {open === s.sessionId && <Messages sessionId={s.sessionId} />}
              </li>
            ))}
          </ul>
          <Pager pager={pager} nextCursor={sessions.data.nextCursor} label="Sessions" />
        </>
      )}
    </section>
  );
}

function Messages({ sessionId }: { sessionId: string }) {
  const { client } = useSession();
  const messages = useQuery(queries(client).messages({ sessionId, limit: 50 }));
  return (
    <div className="messages">
      <QueryStatus query={messages} what="messages" />
      {messages.data?.items.length === 0 && <p className="muted">No messages.</p>}
      {messages.data?.items.map((m) => (
        <div key={m.id} className={`message ${m.role}`}>
          <div className="small muted">
            {m.role} · {m.tokensUsed} tokens · {formatTime(m.createdAt)}
          </div>
          <div className="content">{m.content}</div>
        </div>
      ))}
    </div>
  );
}
