// A room's new messages, kept flowing: by EventSource (the browser resumes with Last-Event-ID by
// itself; after an `event: close` or a failed reconnect we open a new stream with ?after=<last id>)
// or by WebSocket (reconnecting with ?after=<last id>). Messages go to onMessage in id order; the
// page drops any it already shows. A stream that ends because the session did (logout, "log out
// everywhere", expiry), or a reconnect refused because there is no session any more, calls
// onSignedOut instead of retrying: a retry would only be refused again.

const RECONNECT_MS = 1000;

export function follow(roomId, transport, lastId, onMessage, onState, onSignedOut) {
  let closed = false;
  let current = null;
  let timer = null;
  let last = lastId();

  const deliver = message => {
    if (message.id > last) last = message.id;
    onMessage(message);
  };
  const reconnect = why => {
    if (closed) return;
    if (why && why.startsWith('session')) {
      closed = true;
      onSignedOut();
      return;
    }
    onState(`reconnecting (${why})`);
    clearTimeout(timer);
    timer = setTimeout(open, RECONNECT_MS);
  };
  // A refusal does not say why: one look at the session tells a signed-out page from a busy server.
  const refused = why => {
    fetch('/api/session', {credentials: 'same-origin'})
      .then(response => response.status === 401 ? reconnect('session ended') : reconnect(why))
      .catch(() => reconnect(why));
  };

  function open() {
    if (closed) return;
    last = Math.max(last, lastId());
    if (transport === 'ws') {
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      const socket = new WebSocket(`${scheme}://${location.host}/api/rooms/${roomId}/ws?after=${last}`);
      current = socket;
      socket.onopen = () => onState('live (WebSocket)');
      socket.onmessage = event => deliver(JSON.parse(event.data));
      socket.onclose = event => {
        if (current !== socket) return;
        if (event.reason) reconnect(event.reason);
        else refused(`closed ${event.code}`);
      };
      return;
    }
    const source = new EventSource(`/api/rooms/${roomId}/events?after=${last}`);
    current = source;
    source.onopen = () => onState('live (Server-Sent Events)');
    source.addEventListener('message', event => deliver(JSON.parse(event.data)));
    source.addEventListener('close', event => {
      source.close();
      if (current === source) reconnect(JSON.parse(event.data).reason);
    });
    source.onerror = () => {
      // CONNECTING: the browser retries by itself with Last-Event-ID. CLOSED: it gave up (a refusal).
      if (source.readyState === EventSource.CLOSED && current === source) refused('stream refused');
      else onState('reconnecting');
    };
  }

  open();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      current?.close();
    },
  };
}
