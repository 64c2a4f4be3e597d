// Live updates, kept flowing.
//
// follow(): one room's changes (new, edited and deleted messages, each at its position in the
// room's log) and its live events (typing, presence, your read marker), by EventSource (the browser
// resumes with Last-Event-ID by itself; after an `event: close` or a failed reconnect we open a new
// stream with ?after=<last position>) or by WebSocket (reconnecting with ?after=<last position>).
// Changes are applied idempotently by the page, so a replayed one is harmless. A stream that ends
// because the session did (logout, "log out everywhere", expiry), or a reconnect refused because
// there is no session any more, calls signedOut instead of retrying: a retry would only be refused
// again.
//
// overview(): one two-way socket (/api/ws) subscribed to every room of the user, for the room list's
// unread badges: new messages in other rooms and read markers moved on the user's other devices.

const RECONNECT_MS = 1000;
const ACK_WAIT_MS = 2000;
const CHANGES = ['message', 'message.updated', 'message.deleted'];
const LIVE = ['typing', 'presence', 'read'];

function socketUrl(path) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${path}`;
}

export function follow(roomId, transport, lastPosition, on) {
  let closed = false;
  let current = null;
  let socket = null;
  let timer = null;
  let last = lastPosition();

  const change = (type, message, position) => {
    if (position > last) last = position;
    on.change(type, message, position);
  };
  const reconnect = why => {
    if (closed) return;
    if (why && why.startsWith('session')) {
      closed = true;
      on.signedOut();
      return;
    }
    on.state(`reconnecting (${why})`);
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
    last = Math.max(last, lastPosition());
    if (transport === 'ws') {
      const ws = new WebSocket(socketUrl(`/api/rooms/${roomId}/ws?after=${last}&events=all`));
      current = ws;
      socket = ws;
      ws.onopen = () => on.state('live (WebSocket)');
      ws.onmessage = event => {
        const frame = JSON.parse(event.data);
        if (CHANGES.includes(frame.type)) {
          const {type, position, ...message} = frame;
          change(type, message, position);
        } else if (LIVE.includes(frame.type)) {
          on[frame.type](frame);
        }
      };
      ws.onclose = event => {
        if (current !== ws) return;
        socket = null;
        if (event.reason) reconnect(event.reason);
        else refused(`closed ${event.code}`);
      };
      return;
    }
    const source = new EventSource(`/api/rooms/${roomId}/events?after=${last}&events=all`);
    current = source;
    source.onopen = () => on.state('live (Server-Sent Events)');
    for (const type of CHANGES) {
      source.addEventListener(type, event => change(type, JSON.parse(event.data), Number(event.lastEventId)));
    }
    for (const type of LIVE) {
      source.addEventListener(type, event => on[type](JSON.parse(event.data)));
    }
    source.addEventListener('close', event => {
      source.close();
      if (current === source) reconnect(JSON.parse(event.data).reason);
    });
    source.onerror = () => {
      // CONNECTING: the browser retries by itself with Last-Event-ID. CLOSED: it gave up (a refusal).
      if (source.readyState === EventSource.CLOSED && current === source) refused('stream refused');
      else on.state('reconnecting');
    };
  }

  open();
  return {
    /** "I am typing": a frame on the socket, else a POST (for Server-Sent Events). */
    typing() {
      if (socket?.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({type: 'typing', roomId}));
      } else {
        fetch(`/api/rooms/${roomId}/typing`, {method: 'POST', credentials: 'same-origin'}).catch(() => {});
      }
    },
    close() {
      closed = true;
      clearTimeout(timer);
      current?.close();
    },
  };
}

export function overview(roomIds, on) {
  let closed = false;
  let ws = null;
  let timer = null;
  const rooms = new Set(roomIds);

  function open() {
    if (closed) return;
    ws = new WebSocket(socketUrl('/api/ws'));
    // Subscribed from the newest position; once every subscription is acknowledged the badges are
    // read from the API: a message stored before that is in the counts, one after it arrives here.
    let pending = new Set();
    ws.onopen = () => {
      pending = new Set([...rooms].map(roomId => `s${roomId}`));
      for (const roomId of rooms) ws.send(JSON.stringify({type: 'subscribe', roomId, ref: `s${roomId}`}));
      if (pending.size === 0) on.reconnected();
      // A subscription the server did not acknowledge (refused over its frame rate) holds nothing up.
      setTimeout(() => { if (pending.size > 0) { pending.clear(); on.reconnected(); } }, ACK_WAIT_MS);
    };
    ws.onmessage = event => {
      const frame = JSON.parse(event.data);
      if (frame.type === 'message') on.message(frame);
      else if (frame.type === 'read') on.read(frame);
      else if (frame.type === 'ack' && pending.delete(frame.ref) && pending.size === 0) on.reconnected();
    };
    ws.onclose = () => {
      if (closed) return;
      clearTimeout(timer);
      timer = setTimeout(open, RECONNECT_MS);
    };
  }

  open();
  return {
    add(roomId) {
      if (rooms.has(roomId)) return;
      rooms.add(roomId);
      if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify({type: 'subscribe', roomId}));
    },
    close() {
      closed = true;
      clearTimeout(timer);
      ws?.close();
    },
  };
}
