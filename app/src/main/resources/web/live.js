// A room's new messages, kept flowing: by EventSource (the browser resumes with Last-Event-ID by
// itself; after an `event: close` or a failed reconnect we open a new stream with ?after=<last id>)
// or by WebSocket (reconnecting with ?after=<last id>). Messages go to onMessage in id order; the
// page drops any it already shows.

const RECONNECT_MS = 1000;

export function follow(roomId, transport, lastId, onMessage, onState) {
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
    onState(`reconnecting (${why})`);
    clearTimeout(timer);
    timer = setTimeout(open, RECONNECT_MS);
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
        if (current === socket) reconnect(event.reason || `closed ${event.code}`);
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
      if (source.readyState === EventSource.CLOSED && current === source) reconnect('stream refused');
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
